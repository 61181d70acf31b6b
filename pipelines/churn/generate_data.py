"""Writes a deterministic synthetic churn dataset: one CSV of customer snapshots per month.

    generate_data.py OUT_DIR MONTH [MONTH...] [--rows N] [--seed S] [--shift X]

Each MONTH (YYYY-MM) becomes OUT_DIR/customers-YYYY-MM.csv with N rows. The same arguments give
the same bytes on every machine (a fixed seed per month, Python's own random module). Churn
depends on tenure, charges, support calls and plan, with noise; a few rows per file are broken on
purpose (an empty field, a negative charge, an impossible tenure) so that validation has
something to report. --shift X (default 0) moves the month away from the others, as a price rise
would: charges up by 15·X, support calls up by 60·X %. Standard library only.
"""
import argparse
import csv
import math
import os
import random

PLANS = ["basic", "standard", "premium"]
REGIONS = ["north", "south", "east", "west"]
COLUMNS = ["customer_id", "snapshot_date", "tenure_months", "monthly_charges",
           "support_calls", "plan", "region", "churned"]


def month_rows(month, rows, seed, shift=0.0):
    rng = random.Random(f"{seed}-{month}")
    year, mon = (int(part) for part in month.split("-"))
    # Later months drift a little: more support calls, so the model has something to learn anew.
    drift = (year - 2026) * 12 + mon
    out = []
    for i in range(rows):
        plan = rng.choices(PLANS, weights=[5, 3, 2])[0]
        region = rng.choice(REGIONS)
        tenure = max(1, int(rng.expovariate(1 / 24)))
        charges = round({"basic": 25, "standard": 55, "premium": 95}[plan] + rng.gauss(0, 8)
                        + 15 * shift, 2)
        calls = min(30, int(rng.expovariate(1 / ((1.5 + 0.1 * drift) * (1 + 0.6 * shift)))))
        score = (-1.2 - 0.04 * tenure + 0.015 * (charges - 50) + 0.45 * calls
                 + (0.5 if plan == "basic" else 0) + (0.3 if region == "south" else 0)
                 + rng.gauss(0, 0.8))
        churned = 1 if rng.random() < 1 / (1 + math.exp(-score)) else 0
        out.append([f"{month}-{i:05d}", f"{month}-28", tenure, charges, calls, plan, region,
                    churned])
    # Broken rows, in the same places for the same month.
    for k, breakage in enumerate(["empty", "negative", "tenure"]):
        row = out[(k * 97 + drift) % rows]
        if breakage == "empty":
            row[4] = ""
        elif breakage == "negative":
            row[3] = -abs(row[3])
        else:
            row[2] = 999
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out_dir")
    parser.add_argument("months", nargs="+")
    parser.add_argument("--rows", type=int, default=600)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--shift", type=float, default=0.0)
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    for month in args.months:
        path = os.path.join(args.out_dir, f"customers-{month}.csv")
        partial = path + ".partial"
        with open(partial, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            writer.writerows(month_rows(month, args.rows, args.seed, args.shift))
        os.replace(partial, path)  # whole files only, as a real data drop should
        print(f"wrote {path} ({args.rows} rows)")


if __name__ == "__main__":
    main()
