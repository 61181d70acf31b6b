"""Evaluate every trained model on the test set; write accuracy per model as metrics JSON.

Usage: evaluate.py TEST_CSV METRICS_JSON MODEL_JSON...
"""
import csv
import json
import math
import os
import sys

FEATURES = ["tenure", "charges", "calls", "monthly"]


def predict(model, features):
    if model["kind"] == "majority":
        return model["label"]
    z = model["bias"] + sum(model["weights"][f] * v for f, v in zip(FEATURES, features))
    return int(1 / (1 + math.exp(-z)) >= 0.5)


def main(test_csv, target, *model_paths):
    with open(test_csv, newline="") as handle:
        rows = list(csv.DictReader(handle))
    x = [[float(row[f]) for f in FEATURES] for row in rows]
    y = [int(row["churned"]) for row in rows]
    metrics = {"test_rows": len(y)}
    for path in model_paths:
        with open(path) as handle:
            model = json.load(handle)
        name = os.path.splitext(os.path.basename(path))[0]
        correct = sum(predict(model, f) == label for f, label in zip(x, y))
        metrics[name] = {"accuracy": round(correct / len(y), 4)}
        print(f"{name}: accuracy {metrics[name]['accuracy']}")
    with open(target, "w") as handle:
        json.dump(metrics, handle, indent=2, sort_keys=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
