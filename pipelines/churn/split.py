"""Builds train and test sets as of a point in time, so no future row leaks into training.

    split.py FEATURES AS_OF TRAIN TEST

Only snapshots dated on or before AS_OF (YYYY-MM-DD, or "latest") are used. The newest of those
snapshots is the test set and the earlier ones the training set: the model is judged on the
month it would have had to predict. With a single snapshot, a fixed 25 % of it is held out.
"""
import os
import sys

import pandas as pd


def main():
    features, as_of, train_path, test_path = sys.argv[1:5]
    table = pd.read_csv(features)
    if as_of != "latest":
        table = table[table["snapshot_date"] <= as_of]
    if table.empty:
        sys.exit(f"no snapshots on or before {as_of}")
    newest = table["snapshot_date"].max()
    if table["snapshot_date"].nunique() > 1:
        test = table[table["snapshot_date"] == newest]
        train = table[table["snapshot_date"] < newest]
    else:
        test = table.sample(frac=0.25, random_state=7)
        train = table.drop(test.index)
    os.makedirs(os.path.dirname(train_path) or ".", exist_ok=True)
    os.makedirs(os.path.dirname(test_path) or ".", exist_ok=True)
    train.to_csv(train_path, index=False)
    test.to_csv(test_path, index=False)
    print(f"as of {as_of}: train {len(train)} rows (before {newest}), test {len(test)} rows "
          f"({newest})")


if __name__ == "__main__":
    main()
