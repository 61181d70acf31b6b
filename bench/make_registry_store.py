#!/usr/bin/python3
"""Makes a workspace whose store holds a big model registry, for bench/registry.sh.

    python3 bench/make_registry_store.py --versions 10000 --moves 1000 [--model-mb 1] DIR

creates DIR (a workspace: pipeline.yaml, .mlops/store.db, .mlops/cache/) whose model `churn`
has VERSIONS versions, each with a gate result, the aliases champion, challenger and staging,
MOVES moves of champion in alias_history (promotions with a few rollbacks and forced moves) and a
few tags. The version champion holds last has real bytes in the object cache: they were written
by a run of a one-stage pipeline (models/model.pkl), so `mlops models resolve churn@champion
--path` can restore them. Every other version has a derived digest.

The schema is mlops's own: the real mlops creates (and migrates) the store by recording that
run, and the registry rows are then inserted as schema version 7 lays them out
(src/store/schema.cpp, src/store/sqlite_store_registry.cpp). The mlops used is --mlops, else
$MLOPS_BIN, else build/mlops of this checkout, else `mlops` on PATH.
"""

import argparse
import hashlib
import os
import random
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_store import find_mlops, iso  # noqa: E402


def digest(*parts):
    return hashlib.blake2b("\0".join(map(str, parts)).encode(), digest_size=16).hexdigest()


def run_pipeline(mlops, work, model_mb):
    """One real run: its out models/model.pkl (MODEL_MB MiB) is the champion's bytes, cached."""
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(work, "pipeline.yaml"), "w") as f:
        f.write("version: 1\nname: training\nstages:\n"
                f"  fit: {{run: \"mkdir -p models && head -c {model_mb << 20} /dev/urandom "
                "> models/model.pkl\", outs: [{path: models/model.pkl, type: model}]}\n")
    done = subprocess.run([mlops, "run", "pipeline.yaml", "-q"], cwd=work,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"make_registry_store.py: {mlops} run failed:\n{done.stderr}")


def champion_history(versions, moves, rng):
    """Moves of champion: mostly promotions to newer versions, some rollbacks and forces."""
    rows, stack, current = [], [], None
    step = max(1, versions // (moves + 1))
    candidate = 1
    for _ in range(moves):
        if len(stack) >= 2 and rng.random() < 0.1:
            stack.pop()
            target, action = stack[-1], "rollback"
        else:
            candidate = min(versions, candidate + step)
            target, action = candidate, ("force" if rng.random() < 0.05 else "promote")
            stack.append(target)
        rows.append((current, target, action))
        current = target
    return rows


def insert_registry(db, versions, moves, real, seed):
    rng = random.Random(seed)
    base_ms = 1_760_000_000_000
    db.execute("INSERT INTO models (id, name, next_version, created_at) VALUES (1, 'churn', ?, ?)",
               (versions + 1, iso(base_ms)))
    history = champion_history(versions, moves, rng)
    champion = history[-1][1]
    rows = []
    for v in range(1, versions + 1):
        d, size = (real["digest"], real["size"]) if v == champion else (digest("churn", v), 1 << 20)
        rows.append((1, v, "models/model.pkl", "file", d, size, real["run"], "training", "fit",
                     iso(base_ms + v * 60_000)))
    db.executemany("INSERT INTO model_versions (model_id, version, path, kind, digest, size, "
                   "run_id, pipeline, stage, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   rows)
    db.executemany("INSERT INTO gate_results (model_id, version, baseline_alias, baseline_version, "
                   "verdict, checks, metrics, run_id, stage, created_at) VALUES "
                   "(1, ?, 'champion', NULL, ?, '[]', '{\"auc\": 0.9}', NULL, 'gate', ?)",
                   [(v, "failed" if v % 7 == 0 else "passed", iso(base_ms + v * 60_000 + 1))
                    for v in range(1, versions + 1)])
    db.executemany("INSERT INTO alias_history (model_id, alias, from_version, to_version, action, "
                   "actor, at, reason, gate_result_id, run_id) VALUES "
                   "(1, 'champion', ?, ?, ?, 'bench@host', ?, ?, NULL, NULL)",
                   [(f, t, a, iso(base_ms + i * 1000), "bench" if a != "promote" else None)
                    for i, (f, t, a) in enumerate(history)])
    aliases = [("champion", champion), ("challenger", versions), ("staging", versions - 1)]
    db.executemany("INSERT INTO model_aliases (model_id, alias, version, updated_at) VALUES "
                   "(1, ?, ?, ?)", [(a, v, iso(base_ms)) for a, v in aliases])
    db.executemany("INSERT INTO model_tags (model_id, version, key, value) VALUES (1, ?, ?, ?)",
                   [(0, "owner", "risk"), (0, "task", "churn"), (champion, "approved", "yes")])
    return champion


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir")
    parser.add_argument("--versions", type=int, default=10000)
    parser.add_argument("--moves", type=int, default=1000)
    parser.add_argument("--model-mb", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--mlops")
    args = parser.parse_args()
    mlops = find_mlops(args.mlops)
    run_pipeline(mlops, args.dir, args.model_mb)
    db = sqlite3.connect(os.path.join(args.dir, ".mlops", "store.db"))
    d, size, run = db.execute("SELECT a.digest, a.size, x.run_id FROM artifacts a JOIN executions "
                              "x ON x.id = a.produced_by WHERE a.path = 'models/model.pkl'").fetchone()
    with db:
        champion = insert_registry(db, args.versions, args.moves,
                                   {"digest": d, "size": size, "run": run}, args.seed)
    db.close()
    print(f"churn: {args.versions} versions, {args.moves} moves of champion (now v{champion})")


if __name__ == "__main__":
    main()
