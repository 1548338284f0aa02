"""Evaluate the trained model on the test split.

Reads  models/model.json, data/test.csv
Writes reports/predictions.csv (one row per test penguin: island, sex, species, the
       predicted species and the probability of Adelie) and reports/metrics.json (log loss
       over the three classes).
       mlops computes accuracy, F1 and the per-island/per-sex metrics from the predictions
       (evaluation: in mlops.yml).
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
PREDICTIONS = "reports/predictions.csv"
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
        labels, X, groups = [], [], []
        for lineno, row in enumerate(reader, 2):
            try:
                X.append([float(row[c]) for c in features])
            except ValueError:
                P.fail(f"{path}:{lineno}: non-numeric feature value")
            labels.append(row[TARGET])
            groups.append((one_hot_value(row, "island_"), one_hot_value(row, "sex_")))
    if not X:
        P.fail(f"{path} has no rows")
    return labels, X, groups


def one_hot_value(row, prefix):
    """The category a one-hot encoded column group stands for; "" when none is set (unknown sex)."""
    return next((c[len(prefix):] for c, v in row.items() if c.startswith(prefix) and v == "1"), "")


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
    labels, X, groups = load_test(TEST, model["features"])
    unknown = sorted(set(labels) - set(classes))
    if unknown:
        P.fail(f"test labels not seen in training: {unknown}")
    index = {c: i for i, c in enumerate(classes)}
    y = [index[c] for c in labels]

    adelie = index.get("Adelie")
    log_loss = 0.0
    os.makedirs(os.path.dirname(PREDICTIONS), exist_ok=True)
    with open(PREDICTIONS, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["island", "sex", "species", "predicted", "p_adelie"])
        for x, t, (island, sex) in zip(X, y, groups):
            p = predict_proba(model, x)
            pred = max(range(len(classes)), key=p.__getitem__)
            log_loss -= math.log(min(max(p[t], 1e-15), 1 - 1e-15))
            w.writerow([island, sex, classes[t], classes[pred], f"{p[adelie]:.6f}" if adelie is not None else ""])
    n = len(y)
    # mlops's log_loss is Adelie-vs-rest (from p_adelie); this one is over all three classes.
    metrics = {"log_loss_multiclass": round(log_loss / n, 4), "test_rows": n}
    with open(METRICS, "w", encoding="utf-8") as f:
        json.dump(metrics, f, indent=2)
        f.write("\n")
    print(f"evaluate: log_loss_multiclass={metrics['log_loss_multiclass']:.4f} on {n} test rows -> {PREDICTIONS}, {METRICS}")


if __name__ == "__main__":
    main()
