"""Publishes the feature table: every part, in snapshot order, as one CSV.

    publish.py PARTS_DIR OUT
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
    table = pd.concat([pd.read_csv(p) for p in parts], ignore_index=True)
    table = table.sort_values(["snapshot_date", "customer_id"], kind="stable")
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    table.to_csv(out, index=False, float_format="%.6g")
    months = sorted(table["snapshot_date"].unique())
    print(f"published {out}: {len(table)} rows, snapshots {months[0]} .. {months[-1]}")


if __name__ == "__main__":
    main()
