#!/usr/bin/python3
"""Data for bench/feature_store.sh (issue 15, section 3): feature-group rows and a label spine.

  feature_store_gen.py group OUT --rows N --keys K [--prefix P] [--seed S] [--each-key]
      N rows of key,ts,P1..P4: key an int in [0, K), in random order; ts epoch seconds, uniform
      over one year from 2020-09-13; four float features (4 decimals). With --each-key every key
      appears N/K times (a group of exactly K keys; N must be a multiple of K).
  feature_store_gen.py labels OUT --rows M --keys K [--seed S]
      M rows of key,ts,label: key uniform in [0, K), ts uniform over the same year shifted by
      ten days (so most labels have earlier feature rows), label 0/1.

Needs numpy and pandas (Debian's python3-numpy, python3-pandas: run with /usr/bin/python3).
(key, ts) collisions within a group are possible but rare (the store keeps the last one, as
pandas' stable sort does); both tools see the same files.
"""
import argparse
import sys

import numpy as np
import pandas as pd

T0 = 1_600_000_000  # 2020-09-13T12:26:40Z
SPAN = 365 * 86400
CHUNK = 1_000_000


def write(out, frame_of, rows):
    with open(out, "w", newline="") as f:
        for start in range(0, rows, CHUNK):
            frame = frame_of(start, min(rows, start + CHUNK))
            frame.to_csv(f, index=False, header=start == 0, float_format="%.4f")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=["group", "labels"])
    p.add_argument("out")
    p.add_argument("--rows", type=int, required=True)
    p.add_argument("--keys", type=int, required=True)
    p.add_argument("--prefix", default="f")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--each-key", action="store_true")
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    if a.kind == "group":
        if a.each_key:
            if a.rows % a.keys:
                sys.exit("--each-key: --rows must be a multiple of --keys")
            keys = rng.permutation(np.tile(np.arange(a.keys, dtype=np.int64), a.rows // a.keys))
        else:
            keys = rng.integers(0, a.keys, a.rows, dtype=np.int64)
        ts = rng.integers(T0, T0 + SPAN, a.rows, dtype=np.int64)
        feats = [rng.normal(i, 1.0 + i, a.rows) for i in range(4)]

        def frame_of(s, e):
            cols = {"key": keys[s:e], "ts": ts[s:e]}
            for i in range(4):
                cols[f"{a.prefix}{i + 1}"] = feats[i][s:e]
            return pd.DataFrame(cols)
    else:
        keys = rng.integers(0, a.keys, a.rows, dtype=np.int64)
        ts = rng.integers(T0 + 10 * 86400, T0 + SPAN + 10 * 86400, a.rows, dtype=np.int64)
        label = rng.integers(0, 2, a.rows, dtype=np.int8)

        def frame_of(s, e):
            return pd.DataFrame({"key": keys[s:e], "ts": ts[s:e], "label": label[s:e]})
    write(a.out, frame_of, a.rows)


if __name__ == "__main__":
    main()
