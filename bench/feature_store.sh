#!/usr/bin/env bash
# Feature store speed (issue 15, section 3; docs/feature-store.md): the point-in-time join of
# `mlops dataset create` against pandas merge_asof and Feast's file-store algorithm (pandas,
# bench/feature_store_peers.py), ingest, incremental and snapshot reads, and `mlops fg get` as a
# process. Peers run in the same call, alternated (mlops, merge_asof, Feast, mlops, ...); ratios
# are computed per round, then their median. Data from bench/feature_store_gen.py.
#
#   bench/feature_store.sh [--rounds R] [--ingest-rounds I] [--feast-labels N]
#   bench/feature_store.sh --full      10M labels x 3 groups of 10M rows (1M keys), 1 round
#   bench/feature_store.sh --smoke     tiny sizes, one round (the harness works; no timing)
#   MLOPS=/path/to/mlops overrides the binary.
#
# Default sizes (about 2 minutes on 2 cores): a spine of 1M labels over 100k keys joined onto one
# group of 2M rows; ingest of a 2M-row file (1M keys, each twice, random order) into a new
# offline group and a new online group; `fg changes` of that 2M-row commit; `fg read` of the
# online group (1M keys); 300 `fg get` of random keys, alternated with `mlops --version`.
# Feast's algorithm joins every label to every row of its key, so it runs on the first
# --feast-labels rows of the spine (default 200k) and its rate is per label row it joined.
#
# Wall time of whole processes ($EPOCHREALTIME), peak RSS from /usr/bin/time -f %M. The pandas
# peers also report their phases (read CSVs, join in memory, write CSV): "in memory" is the
# join phase alone, "end to end" the whole process as for mlops (python start and import
# included, about 0.3 s).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mlops="${MLOPS:-$root/build/mlops}"
python=/usr/bin/python3
labels=1000000 keys=100000 groups=1 group_rows=2000000
ingest_rows=2000000 ingest_keys=1000000 rounds=3 ingest_rounds=1 feast_labels=200000 gets=300
mode=default
while [ $# -gt 0 ]; do
  case "$1" in
    --full) mode=full labels=10000000 keys=1000000 groups=3 group_rows=10000000 rounds=1
            shift ;;
    --smoke) mode=smoke labels=20000 keys=2000 group_rows=40000 ingest_rows=40000
             ingest_keys=20000 rounds=1 feast_labels=5000 gets=10; shift ;;
    --rounds) rounds="$2"; shift 2 ;;
    --ingest-rounds) ingest_rounds="$2"; shift 2 ;;
    --feast-labels) feast_labels="$2"; shift 2 ;;
    *) echo "usage: bench/feature_store.sh [--full|--smoke] [--rounds R] [--ingest-rounds I]" \
            "[--feast-labels N]" >&2; exit 2 ;;
  esac
done
[ "$feast_labels" -gt "$labels" ] && feast_labels=$labels
[ -x "$mlops" ] || { echo "feature_store.sh: no mlops binary at $mlops (scripts/build.sh, or MLOPS=...)" >&2; exit 2; }
"$python" -c 'import pandas' 2>/dev/null || { echo "feature_store.sh: needs python3-pandas" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "feature_store.sh: needs /usr/bin/time (Debian package time)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
started=$EPOCHREALTIME
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---- data ----
echo "generating in $work: $labels labels, $groups group(s) of $group_rows rows ($keys keys)," \
  "an ingest file of $ingest_rows rows ($ingest_keys keys)" >&2
gen="$root/bench/feature_store_gen.py"
"$python" "$gen" labels labels.csv --rows "$labels" --keys "$keys" --seed 100
group_names=() group_files=()
for ((g = 1; g <= groups; g++)); do
  "$python" "$gen" group "g$g.csv" --rows "$group_rows" --keys "$keys" --prefix "g${g}_f" --seed "$g"
  group_names+=("g$g") group_files+=("g$g.csv")
done
"$python" "$gen" group ingest.csv --rows "$ingest_rows" --keys "$ingest_keys" --each-key --seed 50
{
  echo "version: 1"
  echo "name: bench"
  echo "stages:"
  echo "  noop: {run: 'true'}"
  echo "feature_groups:"
  for g in "${group_names[@]}"; do
    echo "  $g: {primary_key: {key: int}, event_time: ts, online: false, features: {${g}_f1: float, ${g}_f2: float, ${g}_f3: float, ${g}_f4: float}}"
  done
  for ((r = 1; r <= ingest_rounds; r++)); do
    for kind in off on; do
      online=false; [ $kind = on ] && online=true
      echo "  ${kind}$r: {primary_key: {key: int}, event_time: ts, online: $online, features: {f1: float, f2: float, f3: float, f4: float}}"
    done
  done
  echo "datasets:"
  echo "  train: {spine: labels.csv, event_time: ts, features: [$(IFS=,; echo "${group_names[*]}" | sed 's/,/, /g')], out: out/train}"
} > p.yaml

# One timed process: prints "MICROSECONDS PEAK_RSS_KB"; its stdout is left in $work/stdout.
run() {
  local s e
  s=$EPOCHREALTIME
  /usr/bin/time -f %M -o "$work/rss" "$@" > "$work/stdout" 2> "$work/stderr" || {
    echo "feature_store.sh: failed: $*" >&2; cat "$work/stderr" >&2; return 1; }
  e=$EPOCHREALTIME
  echo "$(( ${e/./} - ${s/./} )) $(tail -n 1 "$work/rss")"
}
# One timed process without /usr/bin/time (for the short ones): microseconds.
us() {
  local s e
  s=$EPOCHREALTIME
  "$@" > /dev/null 2> "$work/stderr" || { echo "feature_store.sh: failed: $*" >&2; cat "$work/stderr" >&2; return 1; }
  e=$EPOCHREALTIME
  echo $(( ${e/./} - ${s/./} ))
}

for g in "${group_names[@]}"; do "$mlops" fg create "$g" --pipeline p.yaml > /dev/null; done
# The join groups' commits (timed, reported as extra ingest rows: their key count differs).
declare -a join_ingest
for ((g = 0; g < groups; g++)); do
  join_ingest+=("$(run "$mlops" fg insert "${group_names[g]}" "${group_files[g]}" --pipeline p.yaml)")
done

# ---- ingest ----
echo "ingest: $ingest_rounds round(s)" >&2
declare -a ing_off ing_on
for ((r = 1; r <= ingest_rounds; r++)); do
  "$mlops" fg create "off$r" --pipeline p.yaml > /dev/null
  "$mlops" fg create "on$r" --pipeline p.yaml > /dev/null
  ing_off+=("$(run "$mlops" fg insert "off$r" ingest.csv --pipeline p.yaml)")
  ing_on+=("$(run "$mlops" fg insert "on$r" ingest.csv --pipeline p.yaml)")
done

# ---- point-in-time join ----
cat labels.csv "${group_files[@]}" > /dev/null  # page cache warm
head -n $((feast_labels + 1)) labels.csv > labels_feast.csv
echo "join: $rounds round(s) of mlops, merge_asof, Feast" >&2
declare -a j_mlops j_asof j_feast asof_phases feast_phases
for ((r = 0; r < rounds; r++)); do
  j_mlops+=("$(run "$mlops" dataset create train --pipeline p.yaml)")
  j_asof+=("$(run "$python" "$root/bench/feature_store_peers.py" asof labels.csv asof.csv "${group_files[@]}")")
  asof_phases+=("$(cat stdout)")
  j_feast+=("$(run "$python" "$root/bench/feature_store_peers.py" feast labels_feast.csv feast.csv "${group_files[@]}")")
  feast_phases+=("$(cat stdout)")
done
mlops_sum="$("$python" "$root/bench/feature_store_peers.py" checksum out/train/data.csv "${group_files[@]}" 2>/dev/null || true)"

# ---- reads ----
echo "reads: $rounds round(s)" >&2
declare -a changes snapshot
for ((r = 0; r < rounds; r++)); do
  changes+=("$(run "$mlops" fg changes on1 --since 0 --until 1 -o changes.csv --pipeline p.yaml)")
  snapshot+=("$(run "$mlops" fg read on1 --as-of latest -o snap.csv --pipeline p.yaml)")
done
change_rows=$(( $(wc -l < changes.csv) - 1 ))
snap_rows=$(( $(wc -l < snap.csv) - 1 ))

# ---- online lookups as processes ----
echo "fg get: $gets calls, alternated with mlops --version" >&2
declare -a get_us version_us
RANDOM=7
for ((i = 0; i < gets; i++)); do
  key=$(( (RANDOM * 32768 + RANDOM) % ingest_keys ))
  get_us+=("$(us "$mlops" fg get on1 "$key" --pipeline p.yaml)")
  version_us+=("$(us "$mlops" --version)")
done
"$mlops" fg get on1 1 --pipeline p.yaml | grep -q present || { echo "feature_store.sh: fg get did not find key 1" >&2; exit 1; }

took=$(( (${EPOCHREALTIME/./} - ${started/./}) / 1000000 ))
spine_bytes=$(stat -c %s labels.csv)
echo "mode $mode; $(nproc) cores; load average at the start $load_start, at the end" \
  "$(cut -d' ' -f1-3 /proc/loadavg); took $took s; $("$mlops" --version | head -n 1);" \
  "pandas $("$python" -c 'import pandas; print(pandas.__version__)')"
"$python" - <<PY
import json, statistics
med = statistics.median
labels, groups, feast_labels = $labels, $groups, $feast_labels
def two(text): v = text.split(); return [(int(v[i]), int(v[i + 1])) for i in range(0, len(v), 2)]
jm, ja, jf = two("""${j_mlops[*]}"""), two("""${j_asof[*]}"""), two("""${j_feast[*]}""")
ap = [json.loads(x) for x in """${asof_phases[*]}""".replace("} {", "}\n{").splitlines()]
fp = [json.loads(x) for x in """${feast_phases[*]}""".replace("} {", "}\n{").splitlines()]
ing_off, ing_on, jing = two("""${ing_off[*]}"""), two("""${ing_on[*]}"""), two("""${join_ingest[*]}""")
changes, snapshot = two("""${changes[*]}"""), two("""${snapshot[*]}""")
gets = list(map(int, """${get_us[*]}""".split())); vers = list(map(int, """${version_us[*]}""".split()))
spine_bytes, ingest_rows, group_rows = $spine_bytes, $ingest_rows, $group_rows
change_rows, snap_rows = $change_rows, $snap_rows
lg = labels * groups
def rate(n, us): return n / (us / 1e6)
def m(v): return f"{v / 1e6:.2f}M/s" if v >= 1e6 else f"{v / 1e3:.0f}k/s"
def pct(xs, p):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]
rows = []
def row(fig, mine, peer, ratio, target, met):
    rows.append(f"| {fig} | {mine} | {peer} | {ratio} | {target} | {'' if met is None else 'yes' if met else '**no**'} |")
# join, end to end
r_m = med(rate(lg, t) for t, _ in jm)
r_a = med(rate(lg, t) for t, _ in ja)
r_f = med(rate(feast_labels * groups, t) for t, _ in jf)
ratio_a = med(a[0] / b[0] for a, b in zip(ja, jm))
ratio_f = med((fa[0] / (feast_labels * groups)) / (mm[0] / lg) for fa, mm in zip(jf, jm))
row(f"PIT join end to end ({labels:,} labels x {groups} group(s) of {group_rows:,} rows), label rows/s per group",
    f"{m(r_m)} ({med(t for t, _ in jm) / 1e6:.2f} s)",
    f"merge_asof {m(r_a)} ({med(t for t, _ in ja) / 1e6:.2f} s, CSV read + write included)",
    f"{ratio_a:.2f}x faster", ">= 1.0M/s", r_m >= 1e6)
r_ai = med(lg / p["join"] for p in ap)
row("PIT join: merge_asof in memory only (both sorts + merge, no CSV)", f"{m(r_m)} (end to end)",
    f"{m(r_ai)} ({med(p['join'] for p in ap):.2f} s)", f"mlops {r_m / r_ai:.2f}x faster" if r_m >= r_ai else f"mlops {r_ai / r_m:.2f}x slower", "", None)
row(f"PIT join vs Feast's file-store algorithm (first {feast_labels:,} labels)", f"{m(r_m)}",
    f"Feast {m(r_f)} end to end, {m(med(feast_labels * groups / p['join'] for p in fp))} in memory",
    f"{ratio_f:.1f}x faster", "", None)
rss_m, rss_a = med(k for _, k in jm) * 1024, med(k for _, k in ja) * 1024
row("PIT join peak RSS / spine CSV size", f"{rss_m / 2**20:.0f} MiB = {rss_m / spine_bytes:.2f}x",
    f"merge_asof {rss_a / 2**20:.0f} MiB = {rss_a / spine_bytes:.2f}x", f"{rss_m / rss_a:.2f}",  # spine: the CSV's bytes
    "<= 1.5x", rss_m <= 1.5 * spine_bytes)
if groups == 3:
    t = med(t for t, _ in jm) / 1e6
    row("10M labels x 3 groups of 10M rows, wall time", f"{t:.1f} s", "", "", "<= 30 s", t <= 30)
ro, rn = med(rate(ingest_rows, t) for t, _ in ing_off), med(rate(ingest_rows, t) for t, _ in ing_on)
row(f"ingest, offline-only group ({ingest_rows:,}-row commit, random key order)", m(ro), "", "", ">= 800k/s", ro >= 8e5)
row(f"ingest, online group + statistics ({ingest_rows:,}-row commit)", m(rn), "", "", ">= 400k/s", rn >= 4e5)
for i, (t, _) in enumerate(jing):
    row(f"(ingest of join group g{i + 1}, offline, {group_rows:,} rows, $keys keys)", m(rate(group_rows, t)), "", "", "", None)
rc = med(rate(change_rows, t) for t, _ in changes)
row(f"incremental read: fg changes of one {change_rows:,}-row commit to a file", m(rc), "", "", ">= 5M/s", rc >= 5e6)
ts = med(t for t, _ in snapshot) / 1e6
row(f"snapshot: fg read --as-of latest of {snap_rows:,} keys", f"{ts:.2f} s ({m(snap_rows / ts)})", "", "", "<= 2.5 s", ts <= 2.5)
g99, g50, v99, v50 = pct(gets, 99) / 1e3, pct(gets, 50) / 1e3, pct(vers, 99) / 1e3, pct(vers, 50) / 1e3
row(f"fg get as a process, {len(gets)} calls: p99 (p50)", f"{g99:.1f} ms ({g50:.1f} ms)",
    f"mlops --version {v99:.1f} ms ({v50:.1f} ms)", f"+{g50 - v50:.1f} ms at p50", "p99 <= 5 ms", g99 <= 5)
print("| figure | mlops | peer | ratio | target | met? |")
print("|---|---|---|---|---|---|")
print("\n".join(rows))
print()
print("per round (s): mlops join", [round(t / 1e6, 2) for t, _ in jm], "merge_asof", [round(t / 1e6, 2) for t, _ in ja],
      "Feast", [round(t / 1e6, 2) for t, _ in jf])
print("merge_asof phases (s, median): read %.2f, join %.2f, write %.2f" % tuple(med(p[k] for p in ap) for k in ("read", "join", "write")))
print("Feast phases (s, median): read %.2f, join %.2f, write %.2f" % tuple(med(p[k] for p in fp) for k in ("read", "join", "write")))
print("checksum (rows, matched, sum of each group's first feature): merge_asof", ap[0]["rows"], ap[0]["matched"], [round(s, 2) for s in ap[0]["sums"]],
      "| mlops", """$mlops_sum""".strip())
PY
