"""Evaluate the trained model on the test split.

Reads  models/model.json, data/test.csv
Writes reports/metrics.json
"""

import csv
import json
import math
import os
import sys

sys.dont_write_bytecode = True  # keep src/ free of __pycache__
import params as P  # noqa: E402

MODEL = "models/model.json"
TEST = "data/test.csv"
METRICS = "reports/metrics.json"
TARGET = "species"


def load_model(path):
    if not os.path.isfile(path):
        P.fail(f"model not found: {path} (run src/train.py first)")
    try:
        with open(path, encoding="utf-8") as f:
            model = json.load(f)
    except json.JSONDecodeError as e:
        P.fail(f"{path} is not valid JSON: {e}")
    for key in ("classes", "features", "feature_mean", "feature_std", "weights", "biases"):
        if key not in model:
            P.fail(f"{path} has no {key!r}")
    return model


def load_test(path, features):
    if not os.path.isfile(path):
        P.fail(f"input file not found: {path} (run src/prepare.py first)")
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in [TARGET] + features if c not in (reader.fieldnames or [])]
        if missing:
            P.fail(f"{path} is missing columns: {', '.join(missing)}")
        labels, X = [], []
        for lineno, row in enumerate(reader, 2):
            try:
                X.append([float(row[c]) for c in features])
            except ValueError:
                P.fail(f"{path}:{lineno}: non-numeric feature value")
            labels.append(row[TARGET])
    if not X:
        P.fail(f"{path} has no rows")
    return labels, X


def predict_proba(model, x):
    xs = [(v - m) / s for v, m, s in zip(x, model["feature_mean"], model["feature_std"])]
    z = [sum(w * v for w, v in zip(Wk, xs)) + bk for Wk, bk in zip(model["weights"], model["biases"])]
    mx = max(z)
    e = [math.exp(v - mx) for v in z]
    s = sum(e)
    return [v / s for v in e]


def main():
    model = load_model(MODEL)
    classes = model["classes"]
    labels, X = load_test(TEST, model["features"])
    unknown = sorted(set(labels) - set(classes))
    if unknown:
        P.fail(f"test labels not seen in training: {unknown}")
    index = {c: i for i, c in enumerate(classes)}
    y = [index[c] for c in labels]

    K = len(classes)
    confusion = [[0] * K for _ in range(K)]  # [true][pred]
    log_loss = 0.0
    for x, t in zip(X, y):
        p = predict_proba(model, x)
        pred = max(range(K), key=p.__getitem__)
        confusion[t][pred] += 1
        log_loss -= math.log(min(max(p[t], 1e-15), 1 - 1e-15))
    n = len(y)
    log_loss /= n

    per_class = {}
    for k, c in enumerate(classes):
        tp = confusion[k][k]
        predicted = sum(confusion[t][k] for t in range(K))
        support = sum(confusion[k])
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[c] = {"precision": precision, "recall": recall, "f1": f1, "support": support}

    def macro(name):
        return sum(m[name] for m in per_class.values()) / K

    r4 = lambda v: round(v, 4)
    metrics = {
        "accuracy": r4(sum(confusion[k][k] for k in range(K)) / n),
        "f1_macro": r4(macro("f1")),
        "precision_macro": r4(macro("precision")),
        "recall_macro": r4(macro("recall")),
        "log_loss": r4(log_loss),
        "test_rows": n,
        "per_class": {
            c: {"precision": r4(m["precision"]), "recall": r4(m["recall"]), "f1": r4(m["f1"]), "support": m["support"]}
            for c, m in per_class.items()
        },
    }
    os.makedirs(os.path.dirname(METRICS), exist_ok=True)
    with open(METRICS, "w", encoding="utf-8") as f:
        json.dump(metrics, f, indent=2)
        f.write("\n")
    print(f"evaluate: accuracy={metrics['accuracy']:.4f} f1_macro={metrics['f1_macro']:.4f} "
          f"log_loss={metrics['log_loss']:.4f} on {n} test rows -> {METRICS}")


if __name__ == "__main__":
    main()
