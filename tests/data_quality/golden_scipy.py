#!/usr/bin/env python3
"""Golden values for the drift measures: mlops data drift against Debian's python3-scipy on the
same generated data (ctest data_quality.golden_scipy).

    golden_scipy.py --mlops PATH

Numeric columns of 150 values a side (small enough that the KLL sketches keep every value, so the
KS statistic and the Wasserstein distance must equal scipy's to rounding) and of 20,000 values (the
sketches compact: within the sketch error); the Jensen-Shannon forms are checked on the bins the
report gives, against scipy.spatial.distance.jensenshannon. Exit 1 with every difference listed.
"""
import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile

from scipy.spatial.distance import jensenshannon
from scipy.stats import ks_2samp, wasserstein_distance


def write(path, columns):
    names = list(columns)
    with open(path, "w") as f:
        f.write(",".join(names) + "\n")
        for row in zip(*columns.values()):
            f.write(",".join(repr(v) for v in row) + "\n")


def drift(mlops, ref, cur):
    out = subprocess.run([mlops, "data", "drift", "--reference", ref, "--current", cur,
                          "--min-rows", "0", "--json", "--report-only"],
                         capture_output=True, text=True, check=True).stdout
    return {c["column"]: c for c in json.loads(out)["columns"]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mlops", required=True)
    args = parser.parse_args()
    rng = random.Random(42)
    problems = []
    with tempfile.TemporaryDirectory() as work:
        for n, ks_tol, w_tol in ((150, 1e-9, 1e-9), (20000, 0.02, 0.05)):
            ref = {"normal": [rng.gauss(0, 1) for _ in range(n)],
                   "skewed": [rng.lognormvariate(0, 0.8) for _ in range(n)]}
            cur = {"normal": [rng.gauss(0.3, 1.2) for _ in range(n)],
                   "skewed": [rng.lognormvariate(0.2, 0.8) for _ in range(n)]}
            r, c = os.path.join(work, f"r{n}.csv"), os.path.join(work, f"c{n}.csv")
            write(r, ref)
            write(c, cur)
            report = drift(args.mlops, r, c)
            for column in ref:
                got = report[column]
                sd = math.sqrt(sum((x - sum(ref[column]) / n) ** 2 for x in ref[column]) / n)
                want = {"ks_d": ks_2samp(ref[column], cur[column]).statistic,
                        "wasserstein_norm": wasserstein_distance(ref[column], cur[column]) / sd}
                for key, tol in (("ks_d", ks_tol),
                                 ("wasserstein_norm", w_tol * max(1, want["wasserstein_norm"]))):
                    if abs(got[key] - want[key]) > tol:
                        problems.append(f"n={n} {column} {key}: mlops {got[key]!r}, scipy "
                                        f"{want[key]!r} (tolerance {tol})")
                p = [b["reference"] for b in got["bins"]]
                q = [b["current"] for b in got["bins"]]
                js = jensenshannon(p, q)
                if abs(got["js_distance"] - js) > 1e-9:
                    problems.append(f"n={n} {column} js_distance: mlops {got['js_distance']!r}, "
                                    f"scipy {js!r}")
                js2 = jensenshannon(p, q, base=2) ** 2
                if abs(got["js_divergence"] - js2) > 1e-9:
                    problems.append(f"n={n} {column} js_divergence: mlops {got['js_divergence']!r}, "
                                    f"scipy {js2!r}")
                eps = 1e-4
                psi = sum((max(b, eps) - max(a, eps)) * math.log(max(b, eps) / max(a, eps))
                          for a, b in zip(p, q))
                if abs(got["psi"] - psi) > 1e-9:
                    problems.append(f"n={n} {column} psi: mlops {got['psi']!r}, by hand {psi!r}")
    for problem in problems:
        print(problem)
    print(f"golden_scipy: {len(problems)} difference(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
