"""Split features into train and test sets, deterministically by a seeded shuffle.

Usage: split.py INPUT TRAIN TEST SEED TEST_FRACTION
"""
import csv
import random
import sys


def main(source, train, test, seed, fraction):
    with open(source, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    random.Random(int(seed)).shuffle(rows)
    cut = int(len(rows) * (1 - float(fraction)))
    for path, part in ((train, rows[:cut]), (test, rows[cut:])):
        with open(path, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(part)
    print(f"train {cut} rows, test {len(rows) - cut} rows")


if __name__ == "__main__":
    main(*sys.argv[1:6])
