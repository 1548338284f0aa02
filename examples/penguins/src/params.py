"""Tiny, standard-library-only reader for params.yaml.

Supports exactly what this example needs: nested mappings (by indentation)
of scalars -- ints, floats, booleans, null and (optionally quoted) strings --
plus full-line and trailing `#` comments. Lists and flow style ({...}, [...])
are rejected with a clear error.

Parameter lookup (`get`) honours overrides set by the mlops tool:
  * MLOPS_PARAMS_FILE              -- path of the params file (default params.yaml)
  * MLOPS_PARAM_<DOTTED_KEY>       -- e.g. MLOPS_PARAM_TRAIN_EPOCHS for train.epochs;
                                      takes precedence over the file.
"""

import os
import re
import sys

DEFAULT_FILE = "params.yaml"

_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$")


class ParamsError(Exception):
    pass


def parse_scalar(text):
    """Convert a YAML scalar to int, float, bool, None or str."""
    s = text.strip()
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        inner = s[1:-1]
        return inner.replace("''", "'") if s[0] == "'" else inner.replace('\\"', '"')
    if s in ("", "~", "null", "Null", "NULL"):
        return None
    if s in ("true", "True", "TRUE"):
        return True
    if s in ("false", "False", "FALSE"):
        return False
    if _INT.match(s):
        return int(s)
    if _FLOAT.match(s):
        return float(s)
    return s


def _strip_comment(line):
    """Remove a `#` comment that is not inside quotes."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
    return line


def parse(text, source="<string>"):
    """Parse YAML text consisting of nested mappings of scalars."""
    root = {}
    stack = []  # (indent, mapping); the first key line sets the root indentation
    pending = None  # (indent, parent mapping, key) of a `key:` with no value yet
    for lineno, raw in enumerate(text.splitlines(), 1):
        if "\t" in raw[: len(raw) - len(raw.lstrip())]:
            raise ParamsError(f"{source}:{lineno}: tabs are not allowed for indentation")
        line = _strip_comment(raw).rstrip()
        if not line.strip() or line.strip() in ("---", "..."):
            continue
        indent = len(line) - len(line.lstrip(" "))
        body = line.strip()
        if body.startswith("- ") or body == "-":
            raise ParamsError(f"{source}:{lineno}: lists are not supported")
        m = re.match(r"^(\"[^\"]*\"|'[^']*'|[^:]+?)\s*:(\s+(.*))?$", body)
        if not m:
            raise ParamsError(f"{source}:{lineno}: expected 'key: value', got {body!r}")
        key = m.group(1)
        if key[0] in "'\"":
            key = key[1:-1]
        value = (m.group(3) or "").strip()

        if pending is not None:
            p_indent, p_parent, p_key = pending
            if indent > p_indent:
                child = {}
                p_parent[p_key] = child
                stack.append((indent, child))
            else:
                p_parent[p_key] = None  # `key:` with nothing below it
            pending = None

        if not stack:
            stack.append((indent, root))
        while len(stack) > 1 and indent < stack[-1][0]:
            stack.pop()
        if indent != stack[-1][0]:
            raise ParamsError(f"{source}:{lineno}: inconsistent indentation")
        mapping = stack[-1][1]
        if key in mapping:
            raise ParamsError(f"{source}:{lineno}: duplicate key {key!r}")
        if value == "":
            pending = (indent, mapping, key)
            mapping[key] = None
        elif value[0] in "[{|>&*!":
            raise ParamsError(f"{source}:{lineno}: flow/block style values are not supported: {value!r}")
        else:
            mapping[key] = parse_scalar(value)
    return root


def load(path=None):
    """Load the params file (MLOPS_PARAMS_FILE, else params.yaml)."""
    path = path or os.environ.get("MLOPS_PARAMS_FILE") or DEFAULT_FILE
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        hint = " (run from the example root)" if path == DEFAULT_FILE else ""
        raise ParamsError(f"cannot read params file {path}: {e.strerror}{hint}") from None
    return parse(text, path)


def env_name(dotted_key):
    """train.learning_rate -> MLOPS_PARAM_TRAIN_LEARNING_RATE"""
    return "MLOPS_PARAM_" + re.sub(r"[^A-Za-z0-9]", "_", dotted_key).upper()


def get(params, dotted_key, cast=None):
    """Look up a dotted key; an MLOPS_PARAM_* environment variable wins.

    `cast` (int, float, str) converts and validates the value.
    """
    name = env_name(dotted_key)
    if name in os.environ:
        value = parse_scalar(os.environ[name])
        origin = f"environment variable {name}"
    else:
        value = params
        for part in dotted_key.split("."):
            if not isinstance(value, dict) or part not in value:
                raise ParamsError(f"missing parameter {dotted_key!r} (set it in the params file or via {name})")
            value = value[part]
        origin = f"parameter {dotted_key}"
    if cast is not None:
        try:
            if cast is int and isinstance(value, float) and not value.is_integer():
                raise ValueError
            if isinstance(value, bool) or value is None:
                raise ValueError
            value = cast(value)
        except (TypeError, ValueError):
            raise ParamsError(f"{origin} must be {cast.__name__}, got {value!r}") from None
    return value


def fail(message):
    """Print an error and exit non-zero."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)
