#!/usr/bin/env python3
"""Writes one benchmark workload into a directory, four times over: as an mlops pipeline
(pipeline.yaml), a Makefile, a build.ninja and a Snakefile. All four run the same commands on the
same files, so the tools can be timed against each other (bench/compare.sh does).

    bench/gen.py SHAPE N DIR [--size MIB]

Shapes (N stages, every command trivial: one /bin/sh with builtins, or one `cp`):
  chain     stage i reads stage i-1's out (stage 0 reads in/i0.txt): nothing can overlap.
  wide      N independent stages, stage i reads in/i<i>.txt.
  layers    round(sqrt(N)) layers of round(sqrt(N)) stages (32 x 32 = 1024 for N = 1000); each
            stage of layer l > 0 reads 2 to 4 outs of layer l-1 (chosen by a fixed formula, so
            the same N always gives the same graph); layer 0 reads in/i<j>.txt.
  bigfiles  N stages, stage i runs `cp in/b<i>.bin out/b<i>.bin`, each input SIZE MiB of
            pseudo-random bytes (seeded: every call writes the same bytes; no two inputs alike,
            so a content-addressed cache cannot deduplicate them).

A stage that reads a small file reads it with the shell's `read` and writes its own name with
`printf` (`read -r x < DEP && printf 'NAME\\n' > OUT`): every out's content is distinct, and no
tool starts more than one process per stage. Outs are under out/, inputs under in/; the list of
outs is in outs.list (one per line), which compare.sh uses to check that a tool built them all.
DIR is created if needed; an existing out/ is removed.

Timestamps: mlops does not trust the stat of a file changed in the last 2 seconds (a write in the
same clock tick would go unseen), so it hashes such a file on every run instead of using its
memo. It looks at max(mtime, ctime), and ctime cannot be set back (`touch -d` moves the mtime
only, and itself sets the ctime to now), so backdating does not help: whoever measures no-op runs
must let at least 2 s pass between writing the inputs (and, after the first run, the outs) and
the runs measured. compare.sh generates every workload first and then sleeps once.
"""

import argparse
import json
import math
import os
import random
import shutil
import sys

MIB = 1024 * 1024


class Stage:
    def __init__(self, name, cmd, deps, out):
        self.name = name
        self.cmd = cmd
        self.deps = deps
        self.out = out


def small_stage(name, deps):
    """A stage reading each dep with `read` and writing its name to out/NAME.txt."""
    out = f"out/{name}.txt"
    reads = "".join(f"read -r x < {d} && " for d in deps)
    return Stage(name, f"{reads}printf '{name}\\n' > {out}", deps, out)


def chain(n):
    stages = [small_stage("s0", ["in/i0.txt"])]
    for i in range(1, n):
        stages.append(small_stage(f"s{i}", [stages[-1].out]))
    return stages, {"in/i0.txt": b"input 0\n"}


def wide(n):
    stages = [small_stage(f"s{i}", [f"in/i{i}.txt"]) for i in range(n)]
    return stages, {f"in/i{i}.txt": f"input {i}\n".encode() for i in range(n)}


def layer_deps(layer, j, width):
    """2 to 4 distinct stage indices of the previous layer, by a fixed formula."""
    k = min(width, 2 + (layer + j) % 3)
    step = max(1, width // k)
    picked = []
    for m in range(k):
        idx = (j + m * step + layer) % width
        while idx in picked:
            idx = (idx + 1) % width
        picked.append(idx)
    return sorted(picked)


def layers(n):
    width = max(1, round(math.sqrt(n)))
    stages = []
    inputs = {}
    for j in range(width):
        inputs[f"in/i{j}.txt"] = f"input {j}\n".encode()
        stages.append(small_stage(f"l0_{j}", [f"in/i{j}.txt"]))
    for layer in range(1, width):
        for j in range(width):
            deps = [f"out/l{layer - 1}_{d}.txt" for d in layer_deps(layer, j, width)]
            stages.append(small_stage(f"l{layer}_{j}", deps))
    return stages, inputs


def bigfiles(n, size_mib):
    stages = []
    for i in range(n):
        src, out = f"in/b{i}.bin", f"out/b{i}.bin"
        stages.append(Stage(f"b{i}", f"cp {src} {out}", [src], out))
    return stages, {s.deps[0]: None for s in stages}  # None: written by write_big_inputs


def write_pipeline(path, name, stages):
    with open(path, "w") as f:
        f.write(f"version: 1\nname: {name}\nstages:\n")
        for s in stages:
            deps = ", ".join(s.deps)
            f.write(f"  {s.name}: {{run: {json.dumps(s.cmd)}, deps: [{deps}], outs: [{s.out}]}}\n")


def write_makefile(path, stages):
    with open(path, "w") as f:
        # No built-in implicit rules: make would otherwise look for ways to remake every input.
        f.write("MAKEFLAGS += --no-builtin-rules\n.SUFFIXES:\n.PHONY: all\n")
        f.write("all: " + " ".join(s.out for s in stages) + "\n")
        f.write("out:\n\tmkdir -p out\n")  # make does not create parent directories
        for s in stages:
            f.write(f"{s.out}: {' '.join(s.deps)} | out\n\t{s.cmd.replace('$', '$$')}\n")


def write_ninja(path, stages):
    with open(path, "w") as f:
        f.write("rule run\n  command = $cmd\n")
        for s in stages:
            f.write(f"build {s.out}: run {' '.join(s.deps)}\n  cmd = {s.cmd.replace('$', '$$')}\n")


def write_snakefile(path, stages):
    # One generic rule looking its stage up in a table: what a Snakemake user would write, and it
    # spares snakemake matching every file against thousands of rules.
    with open(path, "w") as f:
        f.write("STAGES = {\n")
        for s in stages:
            f.write(f"    {json.dumps(s.out)}: ({json.dumps(s.deps)}, {json.dumps(s.cmd)}),\n")
        f.write("}\n\n")
        f.write("rule all:\n    input: list(STAGES)\n\n")
        f.write(
            "rule stage:\n"
            '    input: lambda w: STAGES["out/" + w.f][0]\n'
            '    output: "out/{f}"\n'
            '    params: cmd=lambda w: STAGES["out/" + w.f][1]\n'
            '    shell: "{params.cmd}"\n'
        )


def write_inputs(directory, inputs, size_mib):
    os.makedirs(os.path.join(directory, "in"), exist_ok=True)
    for i, (rel, content) in enumerate(sorted(inputs.items())):
        path = os.path.join(directory, rel)
        if content is None:
            # Seeded by the file's name: the same bytes on every call, distinct between files.
            content = random.Random(rel).randbytes(size_mib * MIB)
        if os.path.exists(path) and os.path.getsize(path) == len(content):
            with open(path, "rb") as f:
                if f.read() == content:
                    continue  # unchanged: keep its timestamps (it may already be old enough)
        with open(path, "wb") as f:
            f.write(content)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("shape", choices=["chain", "wide", "layers", "bigfiles"])
    parser.add_argument("n", type=int, help="number of stages (layers: about that many)")
    parser.add_argument("dir", help="where to write the workload")
    parser.add_argument("--size", type=int, default=1, help="bigfiles: MiB per input (default 1)")
    args = parser.parse_args()
    if args.n < 1 or args.size < 1:
        sys.exit("gen.py: N and --size must be at least 1")
    if args.shape == "bigfiles":
        stages, inputs = bigfiles(args.n, args.size)
        name = f"bigfiles-{args.n}x{args.size}m"
    else:
        stages, inputs = {"chain": chain, "wide": wide, "layers": layers}[args.shape](args.n)
        name = f"{args.shape}-{args.n}"
    os.makedirs(args.dir, exist_ok=True)
    shutil.rmtree(os.path.join(args.dir, "out"), ignore_errors=True)
    write_inputs(args.dir, inputs, args.size)
    write_pipeline(os.path.join(args.dir, "pipeline.yaml"), name, stages)
    write_makefile(os.path.join(args.dir, "Makefile"), stages)
    write_ninja(os.path.join(args.dir, "build.ninja"), stages)
    write_snakefile(os.path.join(args.dir, "Snakefile"), stages)
    with open(os.path.join(args.dir, "outs.list"), "w") as f:
        f.writelines(s.out + "\n" for s in stages)
    print(f"{name}: {len(stages)} stages in {args.dir}")


if __name__ == "__main__":
    main()
