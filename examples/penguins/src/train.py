"""Train a multinomial logistic regression (softmax) classifier by full-batch gradient descent.

Reads  data/train.csv
Writes models/model.json, reports/history.csv

Params: seed, train.learning_rate, train.epochs
(MLOPS_PARAM_TRAIN_LEARNING_RATE / MLOPS_PARAM_TRAIN_EPOCHS override the params file.)
"""

import csv
import json
import math
import os
import random
import sys

sys.dont_write_bytecode = True  # keep src/ free of __pycache__
import params as P  # noqa: E402

TRAIN = "data/train.csv"
MODEL = "models/model.json"
HISTORY = "reports/history.csv"

TARGET = "species"
VAL_FRACTION = 0.2
MAX_HISTORY_ROWS = 200
PRINT_EVERY = 50
DIGITS = 6


def read_table(path):
    if not os.path.isfile(path):
        P.fail(f"input file not found: {path} (run src/prepare.py first)")
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if not header or header[0] != TARGET:
            P.fail(f"{path}: expected first column {TARGET!r}")
        labels, X = [], []
        for lineno, row in enumerate(reader, 2):
            try:
                X.append([float(v) for v in row[1:]])
            except ValueError:
                P.fail(f"{path}:{lineno}: non-numeric feature value")
            labels.append(row[0])
    if not X:
        P.fail(f"{path} has no rows")
    return header[1:], labels, X


def softmax(z):
    m = max(z)
    e = [math.exp(v - m) for v in z]
    s = sum(e)
    return [v / s for v in e]


def predict_proba(W, b, x):
    return softmax([sum(w * v for w, v in zip(Wk, x)) + bk for Wk, bk in zip(W, b)])


def evaluate(W, b, X, y):
    """Mean cross-entropy loss and accuracy."""
    loss, correct = 0.0, 0
    for x, t in zip(X, y):
        p = predict_proba(W, b, x)
        loss -= math.log(max(p[t], 1e-15))
        correct += max(range(len(p)), key=p.__getitem__) == t
    return loss / len(X), correct / len(X)


def main():
    try:
        params = P.load()
        seed = P.get(params, "seed", int)
        lr = P.get(params, "train.learning_rate", float)
        epochs = P.get(params, "train.epochs", int)
    except P.ParamsError as e:
        P.fail(str(e))
    if lr <= 0:
        P.fail(f"train.learning_rate must be > 0, got {lr}")
    if epochs < 1:
        P.fail(f"train.epochs must be >= 1, got {epochs}")

    features, labels, X_all = read_table(TRAIN)
    classes = sorted(set(labels))
    index = {c: i for i, c in enumerate(classes)}
    y_all = [index[c] for c in labels]

    # stratified hold-out of the training data for validation
    rng = random.Random(seed)
    fit_idx, val_idx = [], []
    for k in range(len(classes)):
        idx = [i for i, t in enumerate(y_all) if t == k]
        rng.shuffle(idx)
        n_val = round(len(idx) * VAL_FRACTION) if len(idx) > 1 else 0
        val_idx.extend(idx[:n_val])
        fit_idx.extend(idx[n_val:])
    fit_idx.sort()
    val_idx.sort()

    # standardize with statistics of the fit part
    D, K = len(features), len(classes)
    raw_fit = [X_all[i] for i in fit_idx]
    mean = [sum(r[j] for r in raw_fit) / len(raw_fit) for j in range(D)]
    std = []
    for j in range(D):
        var = sum((r[j] - mean[j]) ** 2 for r in raw_fit) / len(raw_fit)
        std.append(math.sqrt(var) if var > 1e-12 else 1.0)
    mean = [round(v, DIGITS) for v in mean]
    std = [round(v, DIGITS) for v in std]

    def scale(r):
        return [(v - m) / s for v, m, s in zip(r, mean, std)]

    X = [scale(X_all[i]) for i in fit_idx]
    y = [y_all[i] for i in fit_idx]
    Xv = [scale(X_all[i]) for i in val_idx]
    yv = [y_all[i] for i in val_idx]
    n = len(X)
    print(f"train: {n} fit / {len(Xv)} validation rows, {D} features, classes={classes}, "
          f"learning_rate={lr}, epochs={epochs}")

    W = [[0.0] * D for _ in range(K)]
    b = [0.0] * K
    every = max(1, math.ceil(epochs / MAX_HISTORY_ROWS))
    history = []
    for epoch in range(1, epochs + 1):
        gW = [[0.0] * D for _ in range(K)]
        gb = [0.0] * K
        for x, t in zip(X, y):
            p = predict_proba(W, b, x)
            p[t] -= 1.0
            for k in range(K):
                pk = p[k]
                gb[k] += pk
                gWk = gW[k]
                for j in range(D):
                    gWk[j] += pk * x[j]
        for k in range(K):
            b[k] -= lr * gb[k] / n
            Wk, gWk = W[k], gW[k]
            for j in range(D):
                Wk[j] -= lr * gWk[j] / n

        if epoch % every == 0 or epoch == epochs or epoch % PRINT_EVERY == 0 or epoch == 1:
            loss, _ = evaluate(W, b, X, y)
            val_loss, val_acc = evaluate(W, b, Xv, yv) if Xv else (float("nan"), float("nan"))
            if epoch % every == 0 or epoch == epochs:
                history.append((epoch, loss, val_loss, val_acc))
            if epoch % PRINT_EVERY == 0 or epoch == epochs or epoch == 1:
                print(f"train: epoch {epoch:>4}  loss={loss:.4f}  val_loss={val_loss:.4f}  val_accuracy={val_acc:.4f}")

    model = {
        "type": "softmax_regression",
        "classes": classes,
        "features": features,
        "feature_mean": mean,
        "feature_std": std,
        "weights": [[round(v, DIGITS) for v in Wk] for Wk in W],
        "biases": [round(v, DIGITS) for v in b],
        "params": {"seed": seed, "learning_rate": lr, "epochs": epochs},
        "train_rows": n,
    }
    os.makedirs(os.path.dirname(MODEL), exist_ok=True)
    with open(MODEL, "w", encoding="utf-8") as f:
        json.dump(model, f, indent=2)
        f.write("\n")

    os.makedirs(os.path.dirname(HISTORY), exist_ok=True)
    with open(HISTORY, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["epoch", "loss", "val_loss", "val_accuracy"])
        for epoch, loss, val_loss, val_acc in history:
            w.writerow([epoch, f"{loss:.6f}", f"{val_loss:.6f}", f"{val_acc:.4f}"])
    print(f"train: wrote {MODEL} and {HISTORY} ({len(history)} rows)")


if __name__ == "__main__":
    main()
