"""Simulates a month of the churn model in production: the requests it scored, and later the CRM's
record of who churned.

    serving_log.py SERVING_DIR CRM_DIR MONTH [--rows N] [--shift X]

Writes SERVING_DIR/requests-MONTH.csv, the feature rows the deployed model was asked about (the
features of pipelines/churn/featurize.py, without the label), and CRM_DIR/customers-MONTH.csv,
the same customers' raw snapshots with the churn outcome, as they become known a month later.
--shift X moves the month away from the training data (see generate_data.py): the drift trigger
of pipelines/churn-monitoring.yaml fires on it, and its score stage (score.py) measures how the
champion does on the month's labelled requests.
"""
import argparse
import csv
import os

import pandas as pd

from featurize import features, usable
from generate_data import COLUMNS, month_rows


def write_whole(path, write):
    """Writes through a temporary name, so that a trigger never sees half a file."""
    partial = path + ".partial"
    with open(partial, "w", newline="") as handle:
        write(handle)
    os.replace(partial, path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("serving_dir")
    parser.add_argument("crm_dir")
    parser.add_argument("month")
    parser.add_argument("--rows", type=int, default=600)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--shift", type=float, default=0.0)
    args = parser.parse_args()
    rows = month_rows(args.month, args.rows, args.seed, args.shift)
    os.makedirs(args.serving_dir, exist_ok=True)
    os.makedirs(args.crm_dir, exist_ok=True)
    crm = os.path.join(args.crm_dir, f"customers-{args.month}.csv")
    write_whole(crm, lambda handle: csv.writer(handle).writerows([COLUMNS] + rows))
    requests = features(usable(pd.read_csv(crm))).drop(columns=["churned"])
    served = os.path.join(args.serving_dir, f"requests-{args.month}.csv")
    write_whole(served, lambda handle: requests.to_csv(handle, index=False, float_format="%.6g"))
    print(f"wrote {served} ({len(requests)} requests) and {crm} (their outcomes)")


if __name__ == "__main__":
    main()
