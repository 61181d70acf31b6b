"""Validate the raw customer CSV: required columns, types and ranges. Writes the rows that pass.

Usage: validate.py INPUT OUTPUT
"""
import csv
import sys

COLUMNS = ["customer_id", "tenure_months", "monthly_charges", "support_calls", "contract", "churned"]
CONTRACTS = {"monthly", "yearly", "two_year"}


def problems(row):
    found = []
    try:
        if not 0 <= int(row["tenure_months"]) <= 600:
            found.append("tenure_months out of range")
        if not 0 < float(row["monthly_charges"]) < 10000:
            found.append("monthly_charges out of range")
        if int(row["support_calls"]) < 0:
            found.append("support_calls negative")
        if row["churned"] not in ("0", "1"):
            found.append("churned is not 0 or 1")
    except ValueError as error:
        found.append(f"not a number: {error}")
    if row["contract"] not in CONTRACTS:
        found.append(f"unknown contract {row['contract']!r}")
    return found


def main(source, target):
    with open(source, newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != COLUMNS:
            sys.exit(f"{source}: expected columns {COLUMNS}, got {reader.fieldnames}")
        rows = list(reader)
    good = []
    for line, row in enumerate(rows, start=2):
        found = problems(row)
        if found:
            print(f"{source}:{line}: {'; '.join(found)}", file=sys.stderr)
        else:
            good.append(row)
    if len(good) < len(rows) * 0.9:
        sys.exit(f"{len(rows) - len(good)} of {len(rows)} rows failed validation")
    with open(target, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(good)
    print(f"validated {len(good)} of {len(rows)} rows")


if __name__ == "__main__":
    main(*sys.argv[1:3])
