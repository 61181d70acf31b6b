"""Computes model features for newly arrived raw files only (an incremental stage).

    featurize.py RAW_DIR CHANGED_LIST REMOVED_LIST PARTS_DIR GROUPS_DIR

Runs after the `validate` stage accepted the batch (pipelines/churn/raw.rules.yaml). For each raw
file in CHANGED_LIST ($MLOPS_CHANGED_DEPS) writes PARTS_DIR/<name>.csv, without the rows the
rules tolerate but a model cannot use (an empty field, a value out of range); for each in
REMOVED_LIST ($MLOPS_REMOVED_DEPS) deletes its part. Earlier parts stay as they are, so a month of
data is featurized once however many months follow; when this script itself changed, everything
is featurized again.

The rows featurized in this run also go to GROUPS_DIR/customer_features.csv and
GROUPS_DIR/usage_features.csv, the columns of the two feature groups of
pipelines/churn/feature_groups.yaml: the stage declares them as outs with `feature_group:`, so
mlops ingests each as one commit of its group when the stage succeeds. Only the new rows: the
groups keep every earlier month, and a correction made in the store since (`mlops fg insert`) is
not overwritten by the same month written again.
"""
import os
import sys

import pandas as pd

from incremental import inputs_to_process, read_list


# The ranges of pipelines/churn/raw.rules.yaml: validation decides whether a batch is usable,
# this drops the few rows it tolerated.
RANGES = {"tenure_months": (0, 120), "monthly_charges": (0, 1000), "support_calls": (0, 50)}


def usable(frame):
    keep = frame.notna().all(axis=1)
    for column, (low, high) in RANGES.items():
        keep &= frame[column].between(low, high)
    return frame[keep]


def features(frame):
    out = pd.DataFrame({
        "customer_id": frame["customer_id"],
        "snapshot_date": frame["snapshot_date"],
        "plan": frame["plan"],
        "region": frame["region"],
        "tenure_years": frame["tenure_months"] / 12.0,
        "monthly_charges": frame["monthly_charges"],
        "support_calls": frame["support_calls"],
        "charges_per_tenure_month": frame["monthly_charges"] / frame["tenure_months"].clip(lower=1),
        "long_tenure": (frame["tenure_months"] >= 24).astype(int),
    })
    for plan in ("basic", "standard", "premium"):
        out[f"plan_{plan}"] = (frame["plan"] == plan).astype(int)
    out["churned"] = frame["churned"].astype(int)
    return out


# The columns of each feature group (pipelines/churn/feature_groups.yaml): the key, the event
# time, the features.
GROUPS = {
    "customer_features": ["customer_id", "snapshot_date", "plan", "region", "tenure_years",
                          "charges_per_tenure_month", "long_tenure", "plan_basic",
                          "plan_standard", "plan_premium"],
    "usage_features": ["customer_id", "snapshot_date", "monthly_charges", "support_calls"],
}


def main():
    validated_dir, changed_list, removed, parts_dir, groups_dir = sys.argv[1:6]
    changed = inputs_to_process(validated_dir, changed_list)
    os.makedirs(parts_dir, exist_ok=True)
    for path in read_list(removed):
        part = os.path.join(parts_dir, os.path.basename(path))
        if os.path.exists(part):
            os.remove(part)
            print(f"dropped {part}")
    new = []
    for path in changed:
        raw = pd.read_csv(path)
        frame = usable(raw)
        part = os.path.join(parts_dir, os.path.basename(path))
        table = features(frame)
        table.to_csv(part, index=False, float_format="%.6g")
        new.append(table)
        print(f"featurized {path}: {len(frame)} rows -> {part} "
              f"({len(raw) - len(frame)} unusable rows dropped)")
    os.makedirs(groups_dir, exist_ok=True)
    for group, columns in GROUPS.items():
        # Header only when nothing new was featurized (a file removed): no commit.
        new_rows = pd.concat(new, ignore_index=True) if new else pd.DataFrame(columns=columns)
        out = os.path.join(groups_dir, f"{group}.csv")
        new_rows[columns].to_csv(out, index=False, float_format="%.6g")
        print(f"{len(new_rows)} new rows -> {out} (feature group {group})")


if __name__ == "__main__":
    main()
