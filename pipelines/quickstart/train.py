"""Train a tiny churn model with the standard library only.

  logreg:   logistic regression by gradient descent
  majority: always predicts the most common class (a baseline)

Usage: train.py MODEL TRAIN_CSV OUTPUT_JSON LEARNING_RATE EPOCHS
"""
import csv
import json
import math
import sys

FEATURES = ["tenure", "charges", "calls", "monthly"]


def load(path):
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [[float(row[f]) for f in FEATURES] for row in rows], [int(row["churned"]) for row in rows]


def train_logreg(x, y, rate, epochs):
    weights = [0.0] * (len(FEATURES) + 1)
    for _ in range(epochs):
        gradient = [0.0] * len(weights)
        for features, label in zip(x, y):
            z = weights[0] + sum(w * v for w, v in zip(weights[1:], features))
            error = 1 / (1 + math.exp(-z)) - label
            gradient[0] += error
            for i, value in enumerate(features):
                gradient[i + 1] += error * value
        weights = [w - rate * g / len(x) for w, g in zip(weights, gradient)]
    return {"kind": "logreg", "bias": weights[0], "weights": dict(zip(FEATURES, weights[1:]))}


def main(model, train_csv, target, rate, epochs):
    x, y = load(train_csv)
    if model == "logreg":
        trained = train_logreg(x, y, float(rate), int(epochs))
    elif model == "majority":
        trained = {"kind": "majority", "label": int(sum(y) * 2 >= len(y))}
    else:
        sys.exit(f"unknown model {model!r}; use logreg or majority")
    with open(target, "w") as handle:
        json.dump(trained, handle, indent=2, sort_keys=True)
    print(f"trained {model} on {len(y)} rows")


if __name__ == "__main__":
    main(*sys.argv[1:6])
