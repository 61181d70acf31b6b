"""Summary statistics of the validated data (runs beside featurize).

Usage: profile.py INPUT OUTPUT_JSON
"""
import csv
import json
import statistics
import sys


def main(source, target):
    with open(source, newline="") as handle:
        rows = list(csv.DictReader(handle))
    summary = {"rows": len(rows)}
    for column in ("tenure_months", "monthly_charges", "support_calls"):
        values = [float(row[column]) for row in rows]
        summary[column] = {"mean": round(statistics.mean(values), 3),
                           "min": min(values), "max": max(values)}
    summary["churn_rate"] = round(sum(row["churned"] == "1" for row in rows) / len(rows), 4)
    with open(target, "w") as handle:
        json.dump(summary, handle, indent=2, sort_keys=True)
    print(f"churn rate {summary['churn_rate']}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
