"""Compute model features from validated rows: scaled numbers and a one-hot contract.

Usage: featurize.py INPUT OUTPUT
"""
import csv
import sys


def main(source, target):
    with open(source, newline="") as handle:
        rows = list(csv.DictReader(handle))
    with open(target, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_id", "tenure", "charges", "calls", "monthly", "churned"])
        for row in rows:
            writer.writerow([
                row["customer_id"],
                round(int(row["tenure_months"]) / 72, 4),
                round(float(row["monthly_charges"]) / 120, 4),
                round(int(row["support_calls"]) / 10, 4),
                1 if row["contract"] == "monthly" else 0,
                row["churned"],
            ])
    print(f"wrote {len(rows)} feature rows")


if __name__ == "__main__":
    main(*sys.argv[1:3])
