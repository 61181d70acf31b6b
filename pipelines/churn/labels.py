"""Writes the spines of the training and test datasets: the labels known as of a point in time,
split by time.

    labels.py LABELS AS_OF TRAIN_SPINE TEST_SPINE

LABELS is the label table of pipelines/churn-features.yaml (customer_id, snapshot_date,
churned). Only labels of snapshots dated on or before AS_OF (YYYY-MM-DD, or "latest") are used.
The newest of those snapshots is the test spine and the earlier ones the training spine: the
model is judged on the month it would have had to predict. With a single snapshot, a fixed 25 %
of it is held out. The datasets churn_train and churn_test of pipelines/churn-training.yaml join
onto each row the features of customer_features and usage_features as they were at its
snapshot_date (a point-in-time join), so no value from after a label's snapshot reaches it.
"""
import os
import sys

import pandas as pd


def main():
    labels, as_of, train_path, test_path = sys.argv[1:5]
    table = pd.read_csv(labels, dtype=str)
    if as_of != "latest":
        table = table[table["snapshot_date"] <= as_of]
    if table.empty:
        sys.exit(f"no labelled snapshots on or before {as_of}")
    newest = table["snapshot_date"].max()
    if table["snapshot_date"].nunique() > 1:
        test = table[table["snapshot_date"] == newest]
        train = table[table["snapshot_date"] < newest]
    else:
        test = table.sample(frac=0.25, random_state=7).sort_index()
        train = table.drop(test.index)
    for frame, path in ((train, train_path), (test, test_path)):
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        frame.to_csv(path, index=False)
    print(f"as of {as_of}: train {len(train)} labels (before {newest}), test {len(test)} labels "
          f"({newest})")


if __name__ == "__main__":
    main()
