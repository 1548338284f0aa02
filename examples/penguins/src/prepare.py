"""Clean the raw penguins data, encode features and make a stratified train/test split.

Reads  data/penguins.csv
Writes data/train.csv, data/test.csv  (column `species` + numeric feature columns)

Params: seed, prepare.test_fraction
"""

import csv
import os
import random
import sys

sys.dont_write_bytecode = True  # keep src/ free of __pycache__
import params as P  # noqa: E402

RAW = "data/penguins.csv"
TRAIN = "data/train.csv"
TEST = "data/test.csv"

TARGET = "species"
NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
ISLANDS = ["Biscoe", "Dream", "Torgersen"]
SEXES = ["MALE", "FEMALE"]
FEATURES = NUMERIC + [f"island_{i}" for i in ISLANDS] + [f"sex_{s}" for s in SEXES]


def read_raw(path):
    if not os.path.isfile(path):
        P.fail(f"input file not found: {path} (run from the example root)")
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in [TARGET, "island", "sex"] + NUMERIC if c not in (reader.fieldnames or [])]
        if missing:
            P.fail(f"{path} is missing columns: {', '.join(missing)}")
        return list(reader)


def encode(row):
    """Return the encoded feature row, or None if it must be dropped."""
    if not row[TARGET].strip():
        return None
    out = {TARGET: row[TARGET].strip()}
    for col in NUMERIC:
        value = row[col].strip()
        if not value:
            return None
        try:
            out[col] = float(value)
        except ValueError:
            P.fail(f"non-numeric value {value!r} in column {col}")
    island, sex = row["island"].strip(), row["sex"].strip()
    for i in ISLANDS:
        out[f"island_{i}"] = 1 if island == i else 0
    for s in SEXES:  # missing or unknown sex (e.g. ".") -> all zeros
        out[f"sex_{s}"] = 1 if sex == s else 0
    return out


def fmt(value):
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def write(path, rows):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow([TARGET] + FEATURES)
        for r in rows:
            w.writerow([r[TARGET]] + [fmt(r[c]) for c in FEATURES])


def main():
    try:
        params = P.load()
        seed = P.get(params, "seed", int)
        test_fraction = P.get(params, "prepare.test_fraction", float)
    except P.ParamsError as e:
        P.fail(str(e))
    if not 0 < test_fraction < 1:
        P.fail(f"prepare.test_fraction must be between 0 and 1, got {test_fraction}")

    raw = read_raw(RAW)
    rows = [r for r in (encode(x) for x in raw) if r is not None]
    if not rows:
        P.fail(f"no usable rows in {RAW}")
    print(f"prepare: read {len(raw)} rows, kept {len(rows)} (dropped {len(raw) - len(rows)} with missing values)")

    rng = random.Random(seed)
    by_class = {}
    for r in rows:
        by_class.setdefault(r[TARGET], []).append(r)
    train, test = [], []
    for cls in sorted(by_class):
        group = by_class[cls][:]
        rng.shuffle(group)
        n_test = max(1, round(len(group) * test_fraction)) if len(group) > 1 else 0
        test.extend(group[:n_test])
        train.extend(group[n_test:])
    rng.shuffle(train)
    rng.shuffle(test)

    write(TRAIN, train)
    write(TEST, test)
    counts = ", ".join(f"{c}={len(by_class[c])}" for c in sorted(by_class))
    print(f"prepare: {len(train)} train / {len(test)} test rows (seed={seed}, test_fraction={test_fraction}; {counts})")


if __name__ == "__main__":
    main()
