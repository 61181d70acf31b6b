"""Scores the champion on the newest month of labelled production data.

    score.py MODEL SERVING_DIR CRM_DIR METRICS_OUT

The newest SERVING_DIR/requests-MONTH.csv whose outcomes the CRM has (CRM_DIR/customers-MONTH.csv)
is the month: the requests the deployed model answered, joined by customer_id with who churned.
Writes METRICS_OUT: {"month", "rows", "accuracy", "auc", "churn_rate"}; the training pipeline's
metric trigger reads `accuracy` and `rows`. Fails when no month has outcomes yet.
"""
import json
import os
import pickle
import re
import sys

import pandas as pd

from evaluate import scores  # the same numbers as the evaluation the gate judged


def newest_labelled_month(serving_dir, crm_dir):
    months = sorted(m.group(1) for m in (re.fullmatch(r"requests-(\d{4}-\d{2})\.csv", name)
                                         for name in os.listdir(serving_dir)) if m)
    labelled = [m for m in months if os.path.exists(os.path.join(crm_dir, f"customers-{m}.csv"))]
    if not labelled:
        sys.exit(f"no month in {serving_dir}/ has outcomes in {crm_dir}/ yet")
    return labelled[-1]


def main():
    model_path, serving_dir, crm_dir, metrics_path = sys.argv[1:5]
    month = newest_labelled_month(serving_dir, crm_dir)
    requests = pd.read_csv(os.path.join(serving_dir, f"requests-{month}.csv"))
    outcomes = pd.read_csv(os.path.join(crm_dir, f"customers-{month}.csv"),
                           usecols=["customer_id", "churned"])
    labelled = requests.merge(outcomes, on="customer_id", how="inner")
    with open(model_path, "rb") as handle:
        saved = pickle.load(handle)
    probability = saved["model"].predict_proba(labelled[saved["features"]])[:, 1]
    metrics = {"month": month, **scores(labelled["churned"].astype(int), probability)}
    os.makedirs(os.path.dirname(metrics_path) or ".", exist_ok=True)
    with open(metrics_path, "w") as handle:
        json.dump(metrics, handle, indent=1, sort_keys=True)
    print(f"the champion on {month}: accuracy {metrics['accuracy']}, AUC {metrics.get('auc')} "
          f"({metrics['rows']} labelled requests)")


if __name__ == "__main__":
    main()
