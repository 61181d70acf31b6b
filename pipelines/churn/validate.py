"""Validates newly arrived raw customer files: schema, nulls and ranges.

    validate.py RAW_DIR CHANGED_LIST REMOVED_LIST OUT_DIR REPORT_DIR

CHANGED_LIST is $MLOPS_CHANGED_DEPS (the dep files that are new or changed since the last
successful run), REMOVED_LIST is $MLOPS_REMOVED_DEPS. When something other than a raw CSV file
changed (this script), every raw file is validated again. For each changed file, the rows that pass
go to OUT_DIR/<name>.csv and every failing row, with its line number and reasons, to
REPORT_DIR/<name>.json; a removed raw file takes its outputs with it. A file without the
expected columns fails the stage. Standard library only.
"""
import csv
import json
import os
import sys

from incremental import inputs_to_process, read_list

COLUMNS = ["customer_id", "snapshot_date", "tenure_months", "monthly_charges",
           "support_calls", "plan", "region", "churned"]
RANGES = {"tenure_months": (0, 120), "monthly_charges": (0, 1000), "support_calls": (0, 50),
          "churned": (0, 1)}
CHOICES = {"plan": {"basic", "standard", "premium"},
           "region": {"north", "south", "east", "west"}}


def problems(row):
    found = []
    for column in COLUMNS:
        if row.get(column, "") == "":
            found.append(f"{column} is empty")
    for column, (low, high) in RANGES.items():
        value = row.get(column, "")
        if value == "":
            continue
        try:
            number = float(value)
        except ValueError:
            found.append(f"{column} is not a number: {value!r}")
            continue
        if not low <= number <= high:
            found.append(f"{column} {value} is outside {low}..{high}")
    for column, allowed in CHOICES.items():
        if row.get(column, "") not in allowed and row.get(column, "") != "":
            found.append(f"{column} {row[column]!r} is not one of {sorted(allowed)}")
    return found


def main():
    raw_dir, changed_list, removed, out_dir, report_dir = sys.argv[1:6]
    changed = inputs_to_process(raw_dir, changed_list)
    os.makedirs(out_dir, exist_ok=True)
    os.makedirs(report_dir, exist_ok=True)
    for path in read_list(removed):
        name = os.path.splitext(os.path.basename(path))[0]
        for stale in (os.path.join(out_dir, name + ".csv"), os.path.join(report_dir, name + ".json")):
            if os.path.exists(stale):
                os.remove(stale)
        print(f"{path}: removed upstream; dropped its validated rows")
    failed = False
    for path in changed:
        name = os.path.splitext(os.path.basename(path))[0]
        with open(path, newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                print(f"{path}: missing columns {missing}; the file is unusable", file=sys.stderr)
                failed = True
                continue
            good, bad = [], []
            for line, row in enumerate(reader, start=2):
                found = problems(row)
                if found:
                    bad.append({"line": line, "customer_id": row.get("customer_id"),
                                "problems": found})
                else:
                    good.append(row)
        with open(os.path.join(out_dir, name + ".csv"), "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(good)
        with open(os.path.join(report_dir, name + ".json"), "w") as handle:
            json.dump({"file": path, "rows_ok": len(good), "rows_rejected": len(bad),
                       "rejected": bad}, handle, indent=1)
        print(f"{path}: {len(good)} rows ok, {len(bad)} rejected")
        for item in bad[:5]:
            print(f"  line {item['line']}: {'; '.join(item['problems'])}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
