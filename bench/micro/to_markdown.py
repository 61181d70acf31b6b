#!/usr/bin/python3
"""Prints the medians of an mlops_micro JSON report as the Markdown table of README.md.

    build/bench/micro/mlops_micro --benchmark_repetitions=5 \\
        --benchmark_report_aggregates_only=true --benchmark_out=micro.json
    bench/micro/to_markdown.py micro.json
"""
import json
import sys

UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def seconds(value):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value / 1e-9:.3g} ns"


def rate(row):
    parts = []
    if "bytes_per_second" in row:
        parts.append(f"{row['bytes_per_second'] / 2**30:.2f} GiB/s")
    if "items_per_second" in row:
        parts.append(f"{row['items_per_second'] / 1e3:.1f} k/s")
    per_item = [k for k in row if k.startswith("t/")]
    if per_item:
        parts.append(f"{seconds(row[per_item[0]])} {per_item[0]}")
    return ", ".join(parts)


def main():
    report = json.load(open(sys.argv[1]))
    context = report["context"]
    print(f"{context['date']}, {context['num_cpus']} CPUs, load average "
          f"{', '.join(f'{x:.1f}' for x in context['load_avg'])}\n")
    print("| benchmark | real time | CPU time | rate (real time) |")
    print("|---|---|---|---|")
    for row in report["benchmarks"]:
        if row.get("run_type") == "aggregate" and row.get("aggregate_name") != "median":
            continue
        scale = UNITS[row["time_unit"]]
        name = row["run_name"].removesuffix("/real_time")
        print(f"| `{name}` | {seconds(row['real_time'] * scale)} | "
              f"{seconds(row['cpu_time'] * scale)} | {rate(row)} |")


if __name__ == "__main__":
    sys.exit(main())
