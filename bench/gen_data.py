#!/usr/bin/env python3
"""Writes a CSV for bench/data_quality.sh: 20 mixed columns, about SIZE_MB megabytes.

    gen_data.py OUT.csv SIZE_MB [--shift S] [--seed N]
    gen_data.py --wide OUT.csv COLUMNS ROWS [--shift S] [--seed N]

Columns: id (unique int), 8 normal floats (f0..f7, mean 100 + S), 4 small ints (i0..i3), 3
categories (plan, region, segment), an email, a date, a bool flag and a short text; 1 % of the
floats are empty (nulls), a few text fields are quoted with a comma inside. A 16 MiB block is
generated once and repeated (with fresh ids) to reach the size, so generating 1 GB takes seconds,
not minutes. --wide writes COLUMNS numeric columns of ROWS rows instead (drift between profiles of
1000 columns).
"""
import random
import sys


def block(rng, start, target_bytes, shift):
    plans = ["basic", "standard", "premium"]
    regions = ["north", "south", "east", "west"]
    segments = ["a", "b", "c", "d", "e", "f"]
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]
    lines = []
    size = 0
    i = start
    while size < target_bytes:
        floats = ["" if rng.random() < 0.01 else f"{rng.gauss(100 + shift, 15):.4f}"
                  for _ in range(8)]
        ints = [str(rng.randint(0, 10)), str(rng.randint(0, 1000)), str(rng.randint(-50, 50)),
                str(rng.randint(0, 3))]
        text = " ".join(rng.choice(words) for _ in range(3))
        if rng.random() < 0.01:
            text = '"' + text + ', more"'
        row = ",".join([str(i)] + floats + ints + [
            rng.choice(plans), rng.choice(regions), rng.choice(segments),
            f"user{rng.randint(0, 99999)}@example.com",
            f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "true" if rng.random() < 0.3 else "false", text])
        lines.append(row)
        size += len(row) + 1
        i += 1
    return lines, i


def main():
    args = sys.argv[1:]
    shift = 0.0
    seed = 1
    if "--shift" in args:
        k = args.index("--shift")
        shift = float(args[k + 1])
        del args[k:k + 2]
    if "--seed" in args:
        k = args.index("--seed")
        seed = int(args[k + 1])
        del args[k:k + 2]
    rng = random.Random(seed)
    if args[0] == "--wide":
        out, columns, rows = args[1], int(args[2]), int(args[3])
        with open(out, "w") as f:
            f.write(",".join(f"c{j}" for j in range(columns)) + "\n")
            for _ in range(rows):
                f.write(",".join(f"{rng.gauss(shift, 1):.3f}" for _ in range(columns)) + "\n")
        return
    out, size_mb = args[0], float(args[1])
    header = ("id," + ",".join(f"f{j}" for j in range(8)) + "," + ",".join(f"i{j}" for j in range(4))
              + ",plan,region,segment,email,day,flag,note")
    target = int(size_mb * 1024 * 1024)
    lines, _ = block(rng, 0, min(target, 16 * 1024 * 1024), shift)
    body = "\n".join(lines) + "\n"
    per_block = len(lines)
    with open(out, "w") as f:
        f.write(header + "\n")
        written = 0
        offset = 0
        while written < target:
            if offset == 0:
                f.write(body)
            else:  # the same rows with fresh ids
                f.write("".join(f"{offset + k}{line[line.index(','):]}\n"
                                for k, line in enumerate(lines)))
            written += len(body)
            offset += per_block


if __name__ == "__main__":
    main()
