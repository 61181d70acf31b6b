#!/usr/bin/env bash
# The PostgreSQL metadata store (issue 16, section 2; docs/metadata-store.md), against a throwaway
# server this script starts (scripts/pg-server.sh: a Unix socket, fsync off, so the figures are
# mlops's and libpq's cost rather than a disk's):
#   (a) recording overhead: `mlops run -j 2` of compare.sh's chain of STAGES trivial stages
#       (bench/gen.py chain) recording into PostgreSQL, into SQLite, and with --no-record; a
#       fresh store and an empty cache every round (ROUNDS rounds alternated; the median of
#       each). Target: PostgreSQL <= 15 % over --no-record.
#   (b) 8 concurrent runs of 8 different pipelines (100 stages each) from 8 processes into one
#       PostgreSQL store: every run and execution recorded, no warning or error printed.
#   (c) `mlops runs` and `mlops lineage PATH` on a store of RUNS runs x 50 stages (made by
#       bench/make_store.py as SQLite, then `mlops store copy` into PostgreSQL): the median of 7
#       calls each, PostgreSQL and SQLite. Target: <= 50 ms each.
#
#   bench/postgres.sh [--stages N] [--runs R] [--rounds K]   (default 1000 stages, 10000 runs, 3)
#   bench/postgres.sh --smoke                                (50 stages, 200 runs, 1 round; no target)
#   MLOPS=/path/to/mlops overrides the binary.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mlops="${MLOPS:-$root/build/mlops}"
stages=1000 runs=10000 rounds=3 smoke=0
while [ $# -gt 0 ]; do
  case "$1" in
    --stages) stages="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --smoke) stages=50 runs=200 rounds=1 smoke=1; shift ;;
    *) echo "usage: bench/postgres.sh [--stages N] [--runs R] [--rounds K] [--smoke]" >&2; exit 2 ;;
  esac
done
[ -x "$mlops" ] || { echo "build mlops first: scripts/build.sh" >&2; exit 2; }
work="$(mktemp -d)"
trap '"$root/scripts/pg-server.sh" stop "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
eval "$("$root/scripts/pg-server.sh" start "$work/pg")"
admin="$MLOPS_TEST_PG"
psql_admin() { psql "$admin" -qtAX -c "$1"; }
fresh_db() {  # a new, migrated database; prints its conninfo
  local name="bench_$(date +%s%N)"
  psql_admin "CREATE DATABASE $name" >/dev/null
  MLOPS_STORE="$admin dbname=$name" "$mlops" store migrate >/dev/null
  echo "$admin dbname=$name"
}
now() { date +%s.%N; }
diff_ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f", (a / b - 1) * 100 }'; }

# (a) recording overhead, on compare.sh's chain workload (bench/gen.py: stage i reads stage i-1's
# out; every command one /bin/sh with builtins).
mkdir "$work/a"
cd "$work/a"
/usr/bin/python3 "$root/bench/gen.py" chain "$stages" . > /dev/null
t_none=() t_sqlite=() t_pg=()
for r in $(seq "$rounds"); do
  rm -rf out .mlops; t0=$(now)
  "$mlops" run pipeline.yaml -j 2 -q --no-record > /dev/null; t1=$(now)
  rm -rf out .mlops; t2=$(now)
  "$mlops" run pipeline.yaml -j 2 -q > /dev/null; t3=$(now)
  rm -rf out .mlops; store="$(fresh_db)"; t4=$(now)
  MLOPS_STORE="$store" "$mlops" run pipeline.yaml -j 2 -q > /dev/null; t5=$(now)
  recorded=$(psql "$store" -qtAX -c "SELECT count(*) FROM executions WHERE status = 'succeeded'")
  [ "$recorded" = "$stages" ] || { echo "PostgreSQL recorded $recorded of $stages executions" >&2; exit 1; }
  t_none+=("$(diff_ms "$t0" "$t1")") t_sqlite+=("$(diff_ms "$t2" "$t3")") t_pg+=("$(diff_ms "$t4" "$t5")")
done
none=$(printf '%s\n' "${t_none[@]}" | median)
sqlite=$(printf '%s\n' "${t_sqlite[@]}" | median)
pgms=$(printf '%s\n' "${t_pg[@]}" | median)
echo "(a) chain of $stages trivial stages, -j 2 (median of $rounds): --no-record ${none} ms," \
     "SQLite ${sqlite} ms ($(pct "$sqlite" "$none") %), PostgreSQL ${pgms} ms ($(pct "$pgms" "$none") %)"

# (b) 8 concurrent runs of different pipelines into one store.
mkdir "$work/b"
cd "$work/b"
store="$(fresh_db)"
for p in $(seq 8); do
  {
    echo "version: 1"
    echo "name: p$p"
    echo "stages:"
    for i in $(seq 100); do echo "  s$i: {run: 'echo $i > out/p$p-$i.txt', outs: [out/p$p-$i.txt]}"; done
  } > "p$p.yaml"
done
mkdir -p out
t0=$(now)
pids=()
for p in $(seq 8); do
  MLOPS_STORE="$store" "$mlops" run "p$p.yaml" -j 2 -q > "out-$p.txt" 2> "err-$p.txt" & pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
t1=$(now)
noise=$(cat err-*.txt | grep -ci 'warning\|error' || true)
got_runs=$(psql "$store" -qtAX -c "SELECT count(*) FROM runs WHERE status = 'succeeded'")
got_x=$(psql "$store" -qtAX -c "SELECT count(*) FROM executions WHERE status = 'succeeded'")
echo "(b) 8 concurrent runs x 100 stages into one PostgreSQL store: $(diff_ms "$t0" "$t1") ms;" \
     "$failed failed, $noise warning/error lines, $got_runs of 8 runs and $got_x of 800 executions recorded"
[ "$failed" = 0 ] && [ "$noise" = 0 ] && [ "$got_runs" = 8 ] && [ "$got_x" = 800 ] ||
  { cat err-*.txt >&2; exit 1; }

# (c) runs and lineage on a big store.
mkdir "$work/c"
per_run=50
[ "$smoke" = 1 ] && per_run=10
t0=$SECONDS
artifact="$(MLOPS_BIN="$mlops" /usr/bin/python3 "$root/bench/make_store.py" --runs "$runs" \
  --stages "$per_run" "$work/c" | tail -1)"
made=$((SECONDS - t0))
cd "$work/c"
store="$(fresh_db)"
t0=$SECONDS
"$mlops" store copy --from .mlops/store.db --to "$store" > /dev/null
copied=$((SECONDS - t0))
time_of() {  # the median of 7 calls of "$@", in ms
  local t=() a b
  "$@" > /dev/null  # warm
  for _ in 1 2 3 4 5 6 7; do a=$(now); "$@" > /dev/null; b=$(now); t+=("$(diff_ms "$a" "$b")"); done
  printf '%s\n' "${t[@]}" | median
}
pg_runs=$(MLOPS_STORE="$store" time_of "$mlops" runs)
pg_lineage=$(MLOPS_STORE="$store" time_of "$mlops" lineage "$artifact")
sq_runs=$(time_of "$mlops" runs)
sq_lineage=$(time_of "$mlops" lineage "$artifact")
echo "(c) store of $runs runs x $per_run stages (made in ${made} s, copied into PostgreSQL in" \
     "${copied} s): runs ${pg_runs} ms, lineage ${pg_lineage} ms on PostgreSQL;" \
     "runs ${sq_runs} ms, lineage ${sq_lineage} ms on SQLite (median of 7)"
