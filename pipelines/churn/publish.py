"""Publishes the label table: who churned, for every featurized snapshot.

    publish.py PARTS_DIR OUT

OUT has one row per usable snapshot of every part: customer_id, snapshot_date, churned, in
snapshot order. A raw snapshot dated D says whether the customer churned in the month after D
(the CRM knows a month later): the label of a prediction made at D, from the features as of D.
pipelines/churn-training.yaml takes its rows up to a point in time as the spine of its dataset,
which joins the features of both feature groups as of each row's snapshot_date.
"""
import glob
import os
import sys

import pandas as pd


def main():
    parts_dir, out = sys.argv[1:3]
    parts = sorted(glob.glob(os.path.join(parts_dir, "*.csv")))
    if not parts:
        sys.exit(f"no feature parts in {parts_dir}: has any data arrived?")
    table = pd.concat([pd.read_csv(p, usecols=["customer_id", "snapshot_date", "churned"])
                       for p in parts], ignore_index=True)
    table = table.sort_values(["snapshot_date", "customer_id"], kind="stable")
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    table.to_csv(out, index=False)
    months = sorted(table["snapshot_date"].unique())
    print(f"published {out}: {len(table)} labels, snapshots {months[0]} .. {months[-1]}")


if __name__ == "__main__":
    main()
