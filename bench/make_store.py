#!/usr/bin/python3
"""Makes a big metadata store for measuring mlops's queries (runs, show, lineage).

    python3 bench/make_store.py --runs 10000 --stages 50 DIR

creates DIR/.mlops/store.db holding RUNS runs of one pipeline whose STAGES stages form a chain
(stage i reads data/s{i-1}.out, or data/raw.csv for the first, and writes data/s{i}.out; the last
also writes a metrics file), recorded the way mlops records them (src/engine/run_recorder.cpp,
src/store/sqlite_store.cpp): in each run the stages before the one whose input or command changed
are taken from the cache (cached executions linked to the versions they reused), that one and
the rest run and write new versions; some runs change nothing, a few fail partway. Then it prints
one line: a path whose lineage is the whole chain (`mlops lineage PATH` from DIR).

The schema is mlops's own: the store is created by running the real mlops once (on a one-stage
pipeline in a temporary directory, with --store), which also makes it the current schema
version, and its rows are then replaced. The mlops used is --mlops, else $MLOPS_BIN, else
build/mlops of this checkout, else `mlops` on PATH. The same --seed makes the same store.
"""

import argparse
import hashlib
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
from datetime import datetime, timezone


def find_mlops(given):
    candidates = [given, os.environ.get("MLOPS_BIN"),
                  os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "mlops"),
                  shutil.which("mlops")]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
    sys.exit("make_store.py: no mlops binary: build it (build/mlops), or name it with --mlops "
             "or MLOPS_BIN")


def create_schema(mlops, store):
    """The real mlops creates (and migrates) the store by recording one tiny run."""
    with tempfile.TemporaryDirectory(prefix="mlops-make-store-") as work:
        with open(os.path.join(work, "pipeline.yaml"), "w") as f:
            f.write("version: 1\nname: schema\nstages:\n"
                    "  s: {run: \"printf x > x.txt\", outs: [x.txt]}\n")
        done = subprocess.run([mlops, "run", "pipeline.yaml", "-q", "--store", store], cwd=work,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            sys.exit(f"make_store.py: {mlops} run failed, so the store has no schema:\n"
                     f"{done.stderr}")


def digest(*parts):
    """32 hex digits, like mlops's XXH3-128 digests (here derived, not of real bytes)."""
    return hashlib.blake2b("\0".join(map(str, parts)).encode(), digest_size=16).hexdigest()


_days = {}


def iso(ms):
    """Milliseconds since the epoch as mlops writes times: 2026-01-01T00:00:00.000Z."""
    day, ms_of_day = divmod(ms, 86_400_000)
    if day not in _days:
        _days[day] = datetime.fromtimestamp(day * 86400, timezone.utc).strftime("%Y-%m-%dT")
    seconds, millis = divmod(ms_of_day, 1000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return f"{_days[day]}{hour:02d}:{minute:02d}:{second:02d}.{millis:03d}Z"


class Generator:
    """Makes the rows run by run, in the order and shapes the recorder writes them."""

    def __init__(self, stages, seed):
        self.stages = stages
        self.rng = random.Random(seed)
        self.host = socket.gethostname()
        self.runs, self.executions, self.artifacts, self.events, self.metrics = [], [], [], [], []
        self.artifact_ids = {}            # (path, digest) -> id
        self.artifact_count = 0
        self.execution_id = 0
        # The current raw data and each stage's code version: a stage whose fingerprint (code,
        # input digest) is that of its last succeeded execution is taken from the cache.
        self.raw = ("data/raw.csv", "file", digest("raw", 0), 10_000_000)
        self.code = [0] * stages
        self.last = [None] * stages       # stage -> (fingerprint, outputs) of its last success

    def take(self):
        """The rows made since the last take, for inserting."""
        rows = (self.runs, self.executions, self.artifacts, self.events, self.metrics)
        self.runs, self.executions, self.artifacts, self.events, self.metrics = [], [], [], [], []
        return rows

    def artifact(self, version, producer, created_ms):
        """The id of an artifact version (path, kind, digest, size), recorded when new."""
        key = (version[0], version[2])
        found = self.artifact_ids.get(key)
        if found is None:
            self.artifact_count += 1
            found = self.artifact_ids[key] = self.artifact_count
            self.artifacts.append((found, *version, producer, iso(created_ms)))
        return found

    def change_something(self, index):
        """What changed since the last run: nothing (a no-op re-run), the raw data, or a stage."""
        change = self.rng.random()
        if change < 0.35:
            return
        if change < 0.45:
            self.raw = ("data/raw.csv", "file", digest("raw", index), 10_000_000 + index)
        else:
            self.code[self.rng.randrange(self.stages)] += 1

    def add_run(self, index, start_ms):
        rng = self.rng
        run_id = (datetime.fromtimestamp(start_ms // 1000, timezone.utc)
                  .strftime("%Y%m%d-%H%M%S-") + f"{rng.getrandbits(16):04x}")
        self.change_something(index)
        failing = rng.randrange(self.stages) if rng.random() < 0.03 else None
        clock = start_ms + rng.randrange(5, 50)
        status = "succeeded"
        upstream = self.raw
        for stage in range(self.stages):
            if not self.add_execution(run_id, stage, upstream, clock, stage == failing):
                status = "failed"
                break
            clock, upstream = self.clock, self.last[stage][1][0]
        cause = "manual" if rng.random() < 0.8 else rng.choice(["schedule", "data", "git"])
        self.runs.append((run_id, 1, "pipeline.yaml", digest("pipeline", *self.code), status, cause,
                          None, f'{{"rows":{1000 + index % 7}}}',
                          digest("commit", index // 20) + digest("c", index // 20)[:8], "main", 0,
                          self.host, "bench", "0.1.0", rng.randrange(1000, 4_000_000),
                          iso(start_ms), iso(self.clock + 3), rng.randrange(10**6, 10**8),
                          "00000000-0000-4000-8000-000000000000"))

    def add_execution(self, run_id, stage, upstream, clock, fails):
        """One stage's execution: cached, ran, or failed (False). Leaves its end in self.clock."""
        rng = self.rng
        name = f"s{stage}"
        fingerprint = digest(name, self.code[stage], upstream[2])
        self.execution_id += 1
        xid = self.execution_id
        command = f"python3 steps/{name}.py --version {self.code[stage]} {upstream[0]} data/{name}.out"
        inputs = [self.artifact(upstream, None, clock)]
        self.clock = clock
        if self.last[stage] is not None and self.last[stage][0] == fingerprint:
            outputs = self.last[stage][1]
            self.executions.append((xid, run_id, name, 1, "succeeded", command, None, None,
                                    "up to date", iso(clock), iso(clock), None, fingerprint, 1,
                                    None, None))
        else:
            self.clock = clock + rng.randrange(20, 2000)
            log = f".mlops/logs/{run_id}/{name}.log"
            status = "failed" if fails else "succeeded"
            self.executions.append((xid, run_id, name, 1, status, command, 1 if fails else 0, None,
                                    None, iso(clock), iso(self.clock), log, fingerprint, 0,
                                    rng.randrange(1000, 4_000_000), rng.randrange(10**6, 10**8)))
            if fails:  # its inputs are recorded, no outputs; the stages after it never start
                self.link(xid, inputs, [])
                return False
            outputs = [(f"data/{name}.out", "file", digest(name, fingerprint),
                        rng.randrange(1000, 10**8))]
            if stage == self.stages - 1:
                outputs.append(("out/metrics.json", "metrics", digest("m", fingerprint), 64))
            for output in outputs:
                self.artifact(output, xid, self.clock)  # produced here
            self.last[stage] = (fingerprint, outputs)
        self.link(xid, inputs, [self.artifact(output, None, self.clock) for output in outputs])
        if stage == self.stages - 1:  # cached executions record the metrics too
            seed = int(fingerprint[:8], 16)
            self.metrics.append((xid, "loss", (seed % 1000) / 1000))
            self.metrics.append((xid, "accuracy", (seed % 997) / 997))
        return True

    def link(self, xid, inputs, outputs):
        for artifact in inputs:
            self.events.append((xid, artifact, "input"))
        for artifact in outputs:
            self.events.append((xid, artifact, "output"))


def insert(db, rows):
    runs, executions, artifacts, events, metrics = rows
    db.executemany("INSERT INTO runs (id, pipeline_id, pipeline_file, pipeline_hash, status, "
                   "cause, cause_detail, params_json, git_commit, git_branch, git_dirty, host, "
                   "user, mlops_version, owner_pid, started_at, ended_at, owner_start_ticks, "
                   "boot_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   runs)
    db.executemany("INSERT INTO executions (id, run_id, stage, attempt, status, command, "
                   "exit_code, signal, message, started_at, ended_at, log_path, fingerprint, "
                   "cached, pid, pid_start_ticks) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                   "?, ?, ?)", executions)
    db.executemany("INSERT INTO artifacts (id, path, kind, digest, size, produced_by, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)", artifacts)
    db.executemany("INSERT OR IGNORE INTO events (execution_id, artifact_id, direction) "
                   "VALUES (?, ?, ?)", events)
    db.executemany("INSERT INTO metrics (execution_id, key, value) VALUES (?, ?, ?)", metrics)


def fill(store, runs, generator):
    """Replaces the store's rows with `runs` runs, one every ten minutes from 2026-01-01."""
    db = sqlite3.connect(store)
    db.execute("PRAGMA foreign_keys = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -131072")  # 128 MiB: the indexes stay in memory
    start_ms = int(datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp() * 1000)
    with db:
        for table in ["metrics", "events", "artifacts", "executions", "trigger_state", "runs",
                      "pipelines", "file_stats"]:
            db.execute(f"DELETE FROM {table}")
        db.execute("INSERT INTO pipelines (id, name, created_at) VALUES (1, 'bench', ?)",
                   (iso(start_ms),))
        for index in range(runs):
            generator.add_run(index, start_ms + index * 600_000 + generator.rng.randrange(590_000))
            if index % 500 == 499:
                insert(db, generator.take())
        insert(db, generator.take())
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10000)
    parser.add_argument("--stages", type=int, default=50)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--mlops", help="the mlops binary that creates the schema")
    parser.add_argument("dir", help="the workspace: DIR/.mlops/store.db is (re)made")
    args = parser.parse_args()
    if args.runs < 1 or args.stages < 1:
        parser.error("--runs and --stages take positive numbers")
    store = os.path.join(os.path.abspath(args.dir), ".mlops", "store.db")
    os.makedirs(os.path.dirname(store), exist_ok=True)
    for suffix in ["", "-wal", "-shm"]:
        if os.path.exists(store + suffix):
            os.remove(store + suffix)
    create_schema(find_mlops(args.mlops), store)
    fill(store, args.runs, Generator(args.stages, args.seed))
    print(f"data/s{args.stages - 1}.out")


if __name__ == "__main__":
    main()
