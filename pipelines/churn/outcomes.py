"""Fetches the churn outcomes of the served months, for retraining.

    outcomes.py SERVING_DIR CRM_DIR OUT_DIR

For each SERVING_DIR/requests-MONTH.csv, copies the CRM's labelled snapshots of that month
(CRM_DIR/customers-MONTH.csv) to OUT_DIR. OUT_DIR (data/raw/outcomes) lies under data/raw/ and is
what the feature pipeline's artifact trigger follows, so the training pipeline then retrains on
the new behaviour. Fails when the CRM has no outcomes for a month yet. Standard library only.
"""
import os
import re
import shutil
import sys


def main():
    serving_dir, crm_dir, out_dir = sys.argv[1:4]
    months = sorted(m.group(1) for m in (re.fullmatch(r"requests-(\d{4}-\d{2})\.csv", name)
                                         for name in os.listdir(serving_dir)) if m)
    os.makedirs(out_dir, exist_ok=True)
    missing = [m for m in months if not os.path.exists(os.path.join(crm_dir, f"customers-{m}.csv"))]
    if missing:
        print(f"the CRM has no outcomes yet for {', '.join(missing)} (expected in {crm_dir}/)",
              file=sys.stderr)
        sys.exit(1)
    for month in months:
        source = os.path.join(crm_dir, f"customers-{month}.csv")
        shutil.copyfile(source, os.path.join(out_dir, f"customers-{month}.csv"))
        print(f"outcomes of {month}: {source} -> {out_dir}/")


if __name__ == "__main__":
    main()
