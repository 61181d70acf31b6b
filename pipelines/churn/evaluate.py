"""Evaluates the model on the test set: accuracy, AUC, and the same per slice (plan, region), so
that a model that is good on average but poor for one group shows up.

    evaluate.py MODEL TEST METRICS_OUT
"""
import json
import pickle
import os
import sys

import pandas as pd
from sklearn.metrics import accuracy_score, roc_auc_score


def scores(truth, probability):
    result = {"rows": int(len(truth)),
              "accuracy": round(float(accuracy_score(truth, probability >= 0.5)), 4),
              "churn_rate": round(float(truth.mean()), 4)}
    if truth.nunique() == 2:
        result["auc"] = round(float(roc_auc_score(truth, probability)), 4)
    return result


def main():
    model_path, test_path, metrics_path = sys.argv[1:4]
    with open(model_path, "rb") as handle:
        saved = pickle.load(handle)
    test = pd.read_csv(test_path)
    probability = pd.Series(saved["model"].predict_proba(test[saved["features"]])[:, 1],
                            index=test.index)
    metrics = scores(test["churned"], probability)
    metrics["slices"] = {}
    for column in ("plan", "region"):
        for value, group in test.groupby(column):
            metrics["slices"][f"{column}={value}"] = scores(group["churned"],
                                                            probability[group.index])
    aucs = [s["auc"] for s in metrics["slices"].values() if "auc" in s]
    metrics["worst_slice_auc"] = min(aucs) if aucs else None
    with open(metrics_path, "w") as handle:
        json.dump(metrics, handle, indent=1, sort_keys=True)
    print(f"accuracy {metrics['accuracy']}, AUC {metrics.get('auc')}, worst slice AUC "
          f"{metrics['worst_slice_auc']}")


if __name__ == "__main__":
    main()
