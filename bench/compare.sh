#!/usr/bin/env bash
# mlops side by side with ninja, make and snakemake on the same generated workloads (bench/gen.py),
# every tool with -j 2, their runs alternated (mlops ninja make snakemake, mlops ninja ...) in this
# one call, so that the ratios do not depend on how loaded the machine was at one moment.
#
#   bench/compare.sh [--runs R] [--only REGEX] [--markdown] [--smoke] [--keep] [--snakemake-max N]
#
#   --runs R           repetitions of every measurement (default 5)
#   --only REGEX       only the measurements whose key matches (grep -E): keys are full/chain-1000,
#                      noop/wide-10000, status/wide-1000, check/layers-10000, version, runs/empty,
#                      runs/store, lineage/store; e.g. --only 'noop/' or --only '^full/.*-1000$'
#   --markdown         print the tables as Markdown (for bench/RESULTS.md)
#   --smoke, --quick   N = 100 only, one repetition, every tool (snakemake in full/wide-100 only):
#                      checks that the harness and every tool still work (CI runs it); its times
#                      mean nothing
#   --snakemake-max N  run snakemake only on workloads of at most N stages (default 100: snakemake
#                      takes about 0.05-0.1 s per stage here, 40 s for 1000)
#   --keep             keep the work directory (printed at the start)
#   MLOPS=/path        the mlops binary (default: build/mlops of this checkout)
#
# Measured (each row says which):
# - full/W: a full build of workload W, the clean-up inside the timed command for every tool
#   (mlops: out/ and the contents of .mlops/, its store and cache; ninja: out/, .ninja_log,
#   .ninja_deps; make: out/; snakemake: out/, .snakemake/). mlops runs with its store and cache on.
#   After each run, every out must exist.
# - noop/W: a second run with nothing to do, each tool in its own copy of W built once before.
#   Checked first: mlops status, ninja -n, make -q and snakemake -n must agree there is nothing to do.
# - status (mlops status vs ninja -n on 1000 up-to-date stages), check (loading and checking a
#   10,000-stage pipeline, with peak memory), version (mlops --version vs ninja --version), runs on
#   an almost empty store, and, when bench/make_store.py exists, runs and lineage on a store of
#   10,000 runs x 50 stages.
# The per-stage table divides each no-op time by the stage count (chain and wide, N = 100 ... 10,000).
#
# Each time is the whole process, from fork to exit, measured by bash's $EPOCHREALTIME (and its
# CPU time, user + system with the processes it waited for, from `times`). For every pair
# mlops/peer, the ratio is computed per round (the two ran next to each other), and the table
# gives the median and the range of those ratios. Times from two calls of this script are not
# comparable (this shared machine drifts by 20 % between calls); ratios from one call are.
#
# Timestamps: mlops does not trust the stat of a file changed in the last 2 seconds (max of mtime
# and ctime, and ctime cannot be set back, so `touch -d` does not help); the script therefore
# generates every workload first and sleeps 2.5 s once before any run, and again once after the
# first builds of the no-op copies, before their measured runs.
#
# Exit status: 0 when every tool built every workload it ran (snakemake's RecursionError on long
# chains is a known limit, reported, not a failure), 1 when one failed (its error is printed), 2 on
# bad usage or a missing tool. A full run takes about 15 minutes on the 2-core development machine;
# --smoke about 30 s.
set -euo pipefail
export LC_ALL=C

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
die() { echo "compare.sh: $2" >&2; exit "$1"; }

root="$(cd "$(dirname "$0")/.." && pwd)"
runs=5
smoke=0
only=""
markdown=0
keep=0
snakemake_max=100
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) [ $# -ge 2 ] || usage; runs="$2"; shift 2 ;;
    --only) [ $# -ge 2 ] || usage; only="$2"; shift 2 ;;
    --snakemake-max) [ $# -ge 2 ] || usage; snakemake_max="$2"; shift 2 ;;
    --markdown) markdown=1; shift ;;
    --smoke | --quick) smoke=1; shift ;;
    --keep) keep=1; shift ;;
    -h | --help) usage ;;
    *) echo "compare.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die 2 "--runs takes a positive integer, not '$runs'"
[[ "$snakemake_max" =~ ^[0-9]+$ ]] || die 2 "--snakemake-max takes an integer, not '$snakemake_max'"
((BASH_VERSINFO[0] >= 5)) || die 2 "needs bash 5 or later (for \$EPOCHREALTIME)"
if ((smoke)); then runs=1; fi

mlops="${MLOPS:-$root/build/mlops}"
[ -x "$mlops" ] || die 2 "no mlops binary at $mlops: build it (scripts/build.sh) or set MLOPS=/path/to/mlops"
mlops="$(cd "$(dirname "$mlops")" && pwd)/$(basename "$mlops")"  # absolute: every tool runs in its dir
for tool in ninja make snakemake python3; do
  command -v "$tool" > /dev/null || die 2 "$tool is not installed: scripts/install-deps.sh --test installs it"
done
python=/usr/bin/python3
[ -x "$python" ] || python="$(command -v python3)"

work="$(mktemp -d "${TMPDIR:-/tmp}/mlops-compare.XXXXXX")"
cleanup() { if ((keep)); then echo "compare.sh: kept $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM
raw="$work/raw.tsv"
: > "$raw"
failed=0
started=$SECONDS
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- The measurements chosen -------------------------------------------------------------------
if ((smoke)); then
  full_set=(chain-100 wide-100 layers-100 bigfiles-100)
  noop_set=(chain-100 wide-100 bigfiles-100)
  status_wl=wide-100
  norecord_wl=chain-100
  check_set=(layers-100)
  store_args=(--runs 20 --stages 5)
else
  full_set=(chain-100 wide-100 layers-100 bigfiles-100 chain-1000 wide-1000 layers-1000
    bigfiles-1000 chain-5000 wide-5000 layers-5000)
  noop_set=(chain-100 wide-100 chain-1000 wide-1000 layers-1000 bigfiles-1000 chain-5000
    wide-5000 chain-10000 wide-10000)
  status_wl=wide-1000
  norecord_wl=chain-1000
  check_set=(wide-10000 layers-10000)
  store_args=(--runs 10000 --stages 50)
fi
selected() { [ -z "$only" ] || grep -Eq -- "$only" <<< "$1"; }
shape_of() { echo "${1%-*}"; }
n_of() { echo "${1##*-}"; }

# --- Recording and timing ----------------------------------------------------------------------
record() { local IFS=$'\t'; echo "$*" >> "$raw"; }
# meta KEY SECTION TITLE STAGES SHAPE N
meta() { record meta "$@"; }

# The CPU time (user + system, in microseconds) of this shell's finished children so far, from
# the builtin `times` (no fork). Its second line is "XmY.YYYs XmY.YYYs" (children's user, system).
children_cpu_us() {
  local line user sys
  times > "$work/times"
  { read -r line; read -r user sys; } < "$work/times"
  cpu_us=0
  for line in "$user" "$sys"; do
    local min="${line%%m*}" sec="${line#*m}"
    sec="${sec%s}"
    cpu_us=$((cpu_us + min * 60000000 + 10#${sec/./} * 1000))
  done
}

# Runs a command string (printf %q words) in DIR; sets rc, elapsed_us (wall clock) and used_cpu_us
# (user + system time of the command and the processes it waited for, less sensitive to a busy
# machine than the wall clock). Output to /dev/null, stderr to $work/err. One fork and one exec,
# as any launcher would.
time_one() {
  local dir="$1" cmd="$2" t0 t1 cpu0
  rc=0
  children_cpu_us
  cpu0=$cpu_us
  t0=$EPOCHREALTIME
  (cd "$dir" && eval "exec $cmd") > /dev/null 2> "$work/err" || rc=$?
  t1=$EPOCHREALTIME
  children_cpu_us
  elapsed_us=$((${t1/./} - ${t0/./}))
  used_cpu_us=$((cpu_us - cpu0))
}

last_error() { grep -v '^[[:space:]]*$' "$work/err" | tail -1 | tr '\t' ' ' | cut -c1-160; }

# The participants of the next `rounds`: add LABEL DIR COMMAND...
p_label=()
p_dir=()
p_cmd=()
add() {
  p_label+=("$1")
  p_dir+=("$2")
  shift 2
  p_cmd+=("$(printf '%q ' "$@")")
}

# Counts the files under DIR/out (no fork: this runs between timed runs).
count_outs() {
  local f
  shopt -s nullglob
  f=("$1"/out/*)
  shopt -u nullglob
  echo "${#f[@]}"
}

# Records a failed run of LABEL in KEY; snakemake's RecursionError is a known limit, not a failure.
record_failure() {
  local key="$1" label="$2" why="$3"
  if [ "$label" = snakemake ] && grep -q RecursionError "$work/err"; then
    record time "$key" "$label" 0 0 recursion "RecursionError (snakemake's known limit on long chains)"
    echo "  $key: snakemake: RecursionError (known limit, not counted as a failure)" >&2
    return
  fi
  record time "$key" "$label" 0 0 fail "$why"
  failed=1
  {
    echo "FAILED: $key: $label: $why"
    tail -5 "$work/err" | sed 's/^/    /'
  } >&2
}

# Runs the participants R times in turn (A B C A B C ...) and records each time. With EXPECTED
# > 0, every run must leave that many files in DIR/out. A participant that fails is not run again.
rounds() {
  local key="$1" expected="$2" reps="${3:-$runs}" r i n=${#p_label[@]} got
  local -a dead=()
  for ((i = 0; i < n; i++)); do dead[i]=0; done
  for ((r = 1; r <= reps; r++)); do
    for ((i = 0; i < n; i++)); do
      if ((dead[i])); then continue; fi
      time_one "${p_dir[i]}" "${p_cmd[i]}"
      if ((rc != 0)); then
        record_failure "$key" "${p_label[i]}" "exit $rc: $(last_error)"
        dead[i]=1
        continue
      fi
      if ((expected > 0)); then
        got="$(count_outs "${p_dir[i]}")"
        if ((got != expected)); then
          record_failure "$key" "${p_label[i]}" "exit 0 but $got of $expected outs written"
          dead[i]=1
          continue
        fi
      fi
      record time "$key" "${p_label[i]}" "$r" "$elapsed_us" ok "" "$used_cpu_us"
    done
  done
  p_label=()
  p_dir=()
  p_cmd=()
  summarise text "$key" >&2
}

# --- Workloads ---------------------------------------------------------------------------------
wl_dir() { echo "$work/w/$1"; }
noop_dir() { echo "$work/noop/$1/$2"; }
stages_of() { wc -l < "$(wl_dir "$1")/outs.list"; }
# The tools measured in KEY (full/WL or noop/WL). Snakemake only up to --snakemake-max stages, and
# in a smoke run only in full/wide-100 (it needs seconds for 100 stages).
tools_for() {
  local key="$1"
  if (($(n_of "$key") > snakemake_max)) || { ((smoke)) && [ "$key" != full/wide-100 ]; }; then
    echo mlops ninja make
  else
    echo mlops ninja make snakemake
  fi
}

generate() {
  local wl="$1" d
  d="$(wl_dir "$wl")"
  [ -f "$d/outs.list" ] && return 0
  "$python" "$root/bench/gen.py" "$(shape_of "$wl")" "$(n_of "$wl")" "$d" > /dev/null
  mkdir -p "$d/.mlops"
}

# A copy of workload $1 for tool $2's no-op runs: the inputs hard-linked, the build files copied.
make_noop_copy() {
  local wl="$1" tool="$2" d
  d="$(noop_dir "$wl" "$tool")"
  [ -d "$d" ] && return 0
  generate "$wl"
  mkdir -p "$d/.mlops"
  cp -al "$(wl_dir "$wl")/in" "$d/in"
  cp "$(wl_dir "$wl")"/{pipeline.yaml,Makefile,build.ninja,Snakefile,outs.list} "$d/"
}

# The command of TOOL for a full build (clean-up included) or a no-op run, as `add` arguments.
full_cmd() {
  case "$1" in
    mlops) echo "sh -c 'rm -rf out .mlops/* && exec \"\$0\" run pipeline.yaml -j 2' $(printf %q "$mlops")" ;;
    ninja) echo "sh -c 'rm -rf out .ninja_log .ninja_deps && exec ninja -j 2'" ;;
    make) echo "sh -c 'rm -rf out && exec make -j2'" ;;
    snakemake) echo "sh -c 'rm -rf out .snakemake && exec snakemake -j 2 -q'" ;;
  esac
}
noop_cmd() {
  case "$1" in
    mlops) printf '%q run pipeline.yaml -j 2' "$mlops" ;;
    ninja) echo "ninja -j 2" ;;
    make) echo "make -j2" ;;
    snakemake) echo "snakemake -j 2 -q" ;;
  esac
}

# Is there really nothing to do for TOOL in DIR? (untimed)
nothing_to_do() {
  local tool="$1" dir="$2"
  case "$tool" in
    mlops) (cd "$dir" && "$mlops" status pipeline.yaml > "$work/err" 2>&1) ;;
    ninja) (cd "$dir" && ninja -n > "$work/err" 2>&1 && grep -q 'no work to do' "$work/err") ;;
    make) (cd "$dir" && make -q > "$work/err" 2>&1) ;;
    snakemake) (cd "$dir" && snakemake -n > "$work/err" 2>&1 && grep -q 'Nothing to be done' "$work/err") ;;
  esac
}

bench_full() {
  local wl="$1" key="full/$1" d t
  d="$(wl_dir "$wl")"
  meta "$key" full "$wl" "$(stages_of "$wl")" "$(shape_of "$wl")" "$(n_of "$wl")"
  for t in $(tools_for "$key"); do
    # full_cmd prints words quoted for eval
    eval "add $t \"\$d\" $(full_cmd "$t")"
    if [ "$t" = mlops ] && [ "$wl" = "$norecord_wl" ]; then  # what recording in the store costs
      add "mlops --no-record" "$d" sh -c 'rm -rf out .mlops/* && exec "$0" run pipeline.yaml -j 2 --no-record' "$mlops"
    fi
  done
  rounds "$key" "$(stages_of "$wl")"
}

# The first build of each no-op copy of workload $1 by the tools $2...  (untimed).
build_noop_copies() {
  local wl="$1" t d
  shift
  for t in "$@"; do
    d="$(noop_dir "$wl" "$t")"
    [ -f "$d/.built" ] && continue
    time_one "$d" "$(noop_cmd "$t")"
    if ((rc != 0)); then
      record_failure "noop/$wl" "$t" "first build: exit $rc: $(last_error)"
      continue
    fi
    touch "$d/.built"
  done
}

bench_noop() {
  local wl="$1" key="noop/$1" t d n
  n="$(stages_of "$wl")"
  meta "$key" noop "$wl" "$n" "$(shape_of "$wl")" "$(n_of "$wl")"
  for t in $(tools_for "$key"); do
    d="$(noop_dir "$wl" "$t")"
    [ -f "$d/.built" ] || continue  # its first build failed, already recorded
    # A warm-up run: mlops remembers the outs' stats now that they are 2 s old.
    time_one "$d" "$(noop_cmd "$t")"
    if ((rc != 0)) || [ "$(count_outs "$d")" != "$n" ]; then
      record_failure "$key" "$t" "warm-up run: exit $rc: $(last_error)"
      continue
    fi
    if ! nothing_to_do "$t" "$d"; then
      record_failure "$key" "$t" "not a no-op: the tool says there is work to do: $(last_error)"
      continue
    fi
    eval "add $t \"\$d\" $(noop_cmd "$t")"
  done
  rounds "$key" "$n"
  count_opens "$key" "$(noop_dir "$wl" mlops)"
}

# Notes how many files under in/ and out/ mlops opens in a no-op run of DIR: its stat memo should
# spare it reading any (untimed, with strace when installed).
count_opens() {
  local key="$1" dir="$2" opened
  command -v strace > /dev/null && [ -f "$dir/.built" ] || return 0
  (cd "$dir" && strace -f -qq -e trace=openat -o "$work/trace" "$mlops" run pipeline.yaml -j 2 > /dev/null 2>&1) || return 0
  opened="$(grep -Ec '"(in|out)/' "$work/trace" || true)"
  record note "$key" "mlops opened $opened files of in/ and out/ (strace)"
}

# --- Summaries ---------------------------------------------------------------------------------
# summarise text|markdown [KEY]: the tables from $raw (one KEY: its one-line progress report).
summarise() {
  "$python" - "$raw" "$@" << 'PY'
import statistics
import sys
from collections import defaultdict

raw, fmt = sys.argv[1], sys.argv[2]
one_key = sys.argv[3] if len(sys.argv) > 3 else None
meta, labels, times, cpu, bad, notes, order = {}, defaultdict(list), defaultdict(dict), defaultdict(dict), defaultdict(dict), defaultdict(list), []
for line in open(raw):
    f = line.rstrip("\n").split("\t")
    kind, key = f[0], f[1]
    if key not in order:
        order.append(key)
    if kind == "meta":
        meta[key] = dict(section=f[2], title=f[3], stages=int(f[4]), shape=f[5], n=f[6])
    elif kind == "note":
        notes[key].append(f[2])
    elif kind == "time":
        label, rep, us, status, note = f[2], int(f[3]), int(f[4]), f[5], f[6]
        if label not in labels[key]:
            labels[key].append(label)
        if status == "ok":
            times[key].setdefault(label, {})[rep] = us / 1e6
            if len(f) > 7 and f[7]:
                cpu[key].setdefault(label, {})[rep] = int(f[7]) / 1e6
        else:
            bad[key][label] = "RecursionError (known limit)" if status == "recursion" else "FAILED: " + note


def secs(s):
    if s >= 1:
        return f"{s:.2f} s"
    ms = s * 1000
    return f"{ms:.0f} ms" if ms >= 100 else f"{ms:.1f} ms" if ms >= 10 else f"{ms:.2f} ms"


def median_of(key, label):
    t = times[key].get(label)
    return statistics.median(t.values()) if t else None


def cell(key, label):
    if label in bad[key]:
        return bad[key][label]
    m = median_of(key, label)
    return secs(m) if m is not None else "–"


def ratio(key, a, b, source=times):
    ta, tb = source[key].get(a, {}), source[key].get(b, {})
    rs = [ta[r] / tb[r] for r in ta if r in tb and tb[r] > 0]
    if not rs:
        return "–", "–"
    return f"{statistics.median(rs):.2f}", f"{min(rs):.2f}–{max(rs):.2f}"


def pair_rows(key, title):
    ls = labels[key]
    if not ls:
        return [[title, "–", "–", "–", "–", "–", "–"]]
    ref, rows = ls[0], []
    for peer in ls[1:] or [None]:
        if peer is None:
            rows.append([title, cell(key, ref), "–", "–", "–", "–", "–"])
            continue
        rows.append([title, cell(key, ref), peer, cell(key, peer), *ratio(key, ref, peer),
                     ratio(key, ref, peer, cpu)[0]])
    return rows


def render(header, rows):
    if fmt == "markdown":
        out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        out += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(out)
    w = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda r: "  ".join(str(x).ljust(n) for x, n in zip(r, w)).rstrip()
    return "\n".join([line(header), line(["-" * n for n in w])] + [line(r) for r in rows])


if one_key:  # a progress line
    key = one_key
    m = meta.get(key)
    name = f"{key} ({m['stages']} stages)" if m and m["stages"] else key
    parts = []
    ls = labels[key]
    for i, l in enumerate(ls):
        part = f"{l} {cell(key, l)}"
        if i > 0 and l not in bad[key] and ls[0] not in bad[key]:
            med, rng = ratio(key, ls[0], l)
            part += f" (mlops/{l} {med}, {rng}; CPU {ratio(key, ls[0], l, cpu)[0]})"
        parts.append(part)
    print(f"  {name}: " + "; ".join(parts + notes[key]))
    sys.exit(0)

h = "### " if fmt == "markdown" else "== "
pair_header = ["workload", "stages", "mlops", "peer", "peer's time", "mlops/peer (median)", "min–max",
               "CPU mlops/peer"]
for section, title in [("full", "Full builds (-j 2, clean-up inside the timing)"),
                       ("noop", "No-op re-runs (-j 2, nothing to do)")]:
    rows = []
    for key in order:
        m = meta.get(key)
        if m and m["section"] == section:
            rows += [[r[0], str(m["stages"])] + r[1:] for r in pair_rows(key, m["title"])]
    if rows:
        print(f"{h}{title}\n\n{render(pair_header, rows)}\n")
        for key in order:
            if meta.get(key, {}).get("section") == section and notes[key]:
                print(f"- {meta[key]['title']}: " + "; ".join(notes[key]))
        if any(notes[k] for k in order if meta.get(k, {}).get("section") == section):
            print()

rows = []
for key in order:
    m = meta.get(key)
    if m and m["section"] == "noop" and m["shape"] in ("chain", "wide"):
        per = []
        for tool in ("mlops", "ninja", "make"):
            med = median_of(key, tool)
            per.append(f"{med * 1000 / m['stages']:.4f}" if med is not None else cell(key, tool))
        rows.append([m["shape"], str(m["stages"])] + per)
if rows:
    rows.sort(key=lambda r: (r[0], int(r[1])))
    print(f"{h}No-op cost per stage (ms per stage: the no-op time divided by the stage count)\n")
    print(render(["shape", "stages", "mlops", "ninja", "make"], rows) + "\n")

rows = []
for key in order:
    m = meta.get(key)
    if m and m["section"] == "other":
        for r in pair_rows(key, m["title"]):
            rows.append(r + ["; ".join(notes[key])])
if rows:
    print(f"{h}Other commands\n")
    print(render(["measurement", "mlops", "peer", "peer's time", "mlops/peer (median)", "min–max",
                  "CPU mlops/peer", "notes"], rows) + "\n")
PY
}

# --- Phases ------------------------------------------------------------------------------------
declare -A want_full=() want_noop=()
want_status=0

# The tools that need a no-op copy of workload $1.
noop_tools() {
  if [ -n "${want_noop[$1]:-}" ]; then
    tools_for "noop/$1"
  elif ((want_status)) && [ "$1" = "$status_wl" ]; then
    echo mlops ninja
  fi
}

# Phase 1: choose, generate everything, then let it age.
phase_generate() {
  local wl t key any=0
  for wl in "${full_set[@]}"; do if selected "full/$wl"; then want_full[$wl]=1; any=1; fi; done
  for wl in "${noop_set[@]}"; do if selected "noop/$wl"; then want_noop[$wl]=1; any=1; fi; done
  if selected "status/$status_wl"; then want_status=1; any=1; fi
  for key in "${check_set[@]/#/check/}" version runs/empty runs/store lineage/store; do
    if selected "$key"; then any=1; fi
  done
  ((any)) || die 2 "--only '$only' selects nothing (keys: full/chain-1000, noop/wide-100, status/..., check/..., version, runs/empty, runs/store, lineage/store)"
  echo "generating the workloads" >&2
  for wl in "${full_set[@]}"; do if [ -n "${want_full[$wl]:-}" ]; then generate "$wl"; fi; done
  for wl in "${noop_set[@]}" "$status_wl"; do
    for t in $(noop_tools "$wl"); do make_noop_copy "$wl" "$t"; done
  done
  for wl in "${check_set[@]}"; do if selected "check/$wl"; then generate "$wl"; fi; done
  sleep 2.5
}

phase_full() {
  local wl d
  for wl in "${full_set[@]}"; do
    if [ -n "${want_full[$wl]:-}" ]; then
      bench_full "$wl"
      d="$(wl_dir "$wl")"
      rm -rf "$d/out" "$d"/.mlops/* "$d/.snakemake"  # disk space
    fi
  done
}

phase_noop() {
  local wl list=()
  for wl in "${noop_set[@]}"; do if [ -n "${want_noop[$wl]:-}" ]; then list+=("$wl"); fi; done
  if ((want_status)) && [ -z "${want_noop[$status_wl]:-}" ]; then list+=("$status_wl"); fi
  ((${#list[@]})) || return 0
  echo "first builds of the no-op copies" >&2
  for wl in "${list[@]}"; do
    # shellcheck disable=SC2046 # words on purpose
    build_noop_copies "$wl" $(noop_tools "$wl")
  done
  sleep 2.5  # the outs must be 2 s old before mlops remembers their stats (see the top)
  for wl in "${noop_set[@]}"; do if [ -n "${want_noop[$wl]:-}" ]; then bench_noop "$wl"; fi; done
}

bench_status() {
  local key="status/$status_wl" n d
  n="$(stages_of "$status_wl")"
  meta "$key" other "mlops status, $n up-to-date stages ($status_wl) vs ninja -n" "$n" - -
  d="$(noop_dir "$status_wl" mlops)"
  if [ -f "$d/.built" ] && [ -f "$(noop_dir "$status_wl" ninja)/.built" ]; then
    (cd "$d" && "$mlops" run pipeline.yaml -j 2 > /dev/null 2>&1) || true  # outs' stats remembered
    add mlops "$d" "$mlops" status pipeline.yaml
    add "ninja -n" "$(noop_dir "$status_wl" ninja)" ninja -n
    rounds "$key" 0
  else
    record_failure "$key" mlops "the first build of $status_wl failed"
  fi
}

bench_check() {
  local wl="$1" key="check/$1" n
  n="$(stages_of "$wl")"
  meta "$key" other "mlops check, $n stages ($wl)" "$n" - -
  add mlops "$(wl_dir "$wl")" "$mlops" check pipeline.yaml
  rounds "$key" 0
  if [ -x /usr/bin/time ]; then
    (cd "$(wl_dir "$wl")" && /usr/bin/time -f %M -o "$work/mem" "$mlops" check pipeline.yaml > /dev/null 2>&1) || true
    record note "$key" "peak memory $(($(tail -1 "$work/mem") / 1024)) MiB"
  else
    record note "$key" "peak memory not measured: /usr/bin/time missing (Debian package time)"
  fi
}

bench_version() {
  meta version other "mlops --version vs ninja --version" 0 - -
  add mlops "$work" "$mlops" --version
  add ninja "$work" ninja --version
  rounds version 0 "$((runs * 2))"
}

bench_runs_empty() {
  local d="$work/empty"
  mkdir -p "$d/.mlops"
  printf 'version: 1\nname: one\nstages:\n  s: {run: "printf x > out/x.txt", outs: [out/x.txt]}\n' > "$d/pipeline.yaml"
  meta runs/empty other "mlops runs, store of one run of a 1-stage pipeline" 0 - -
  if (cd "$d" && "$mlops" run pipeline.yaml > /dev/null 2> "$work/err"); then
    add mlops "$d" "$mlops" runs
    rounds runs/empty 0 "$((runs * 2))"
  else
    record_failure runs/empty mlops "the one run: $(last_error)"
  fi
}

# mlops runs and mlops lineage on a big store, made by bench/make_store.py (when it exists).
bench_store() {
  local label="${store_args[1]} runs x ${store_args[3]} stages" d="$work/store" t0 artifact made
  if [ ! -f "$root/bench/make_store.py" ]; then
    meta runs/store other "mlops runs / lineage, store of $label" 0 - -
    record note runs/store "not measured: bench/make_store.py is absent"
    summarise text runs/store >&2
    return
  fi
  mkdir -p "$d"
  t0=$SECONDS
  # MLOPS_BIN: the mlops make_store.py runs once to create the store's schema.
  if ! artifact="$(MLOPS_BIN="$mlops" "$python" "$root/bench/make_store.py" "${store_args[@]}" "$d" 2> "$work/err" | tail -1)" ||
    [ -z "$artifact" ]; then
    meta runs/store other "mlops runs / lineage, store of $label" 0 - -
    record_failure runs/store make_store.py "bench/make_store.py failed: $(last_error)"
    return
  fi
  made="store made in $((SECONDS - t0)) s"
  if selected runs/store; then
    meta runs/store other "mlops runs, store of $label" 0 - -
    record note runs/store "$made"
    add mlops "$d" "$mlops" runs
    rounds runs/store 0 "$((runs * 2))"
  fi
  if selected lineage/store; then
    meta lineage/store other "mlops lineage $artifact, store of $label" 0 - -
    add mlops "$d" "$mlops" lineage "$artifact"
    rounds lineage/store 0 "$((runs * 2))"
  fi
}

phase_other() {
  local wl
  if ((want_status)); then bench_status; fi
  for wl in "${check_set[@]}"; do if selected "check/$wl"; then bench_check "$wl"; fi; done
  if selected version; then bench_version; fi
  if selected runs/empty; then bench_runs_empty; fi
  if selected runs/store || selected lineage/store; then bench_store; fi
}

print_tables() {
  local fmt=text b="" commit cpu
  if ((markdown)); then fmt=markdown b="- "; fi
  commit="$(git -C "$root" rev-parse --short HEAD 2> /dev/null || echo unknown)"
  cpu="$(lscpu 2> /dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
  echo "${b}mlops: $mlops ($("$mlops" --version)); harness from checkout $commit"
  echo "${b}peers: ninja $(ninja --version), $(make --version | head -1), snakemake $(snakemake --version)"
  echo "${b}machine: ${cpu:-unknown CPU}, $(nproc) cores, Linux $(uname -r)"
  echo "${b}$runs run(s) of each; load average at the start $load_start, at the end $(cut -d' ' -f1-3 /proc/loadavg); took $((SECONDS - started)) s"
  if ((smoke)); then echo "${b}smoke run: N = 100, one repetition; the times mean nothing"; fi
  echo "${b}snakemake runs on workloads of at most $snakemake_max stages (--snakemake-max)"
  echo
  summarise "$fmt"
}

# Everything runs from here, so that editing this file during a long run cannot disturb it (bash
# reads a script as it goes).
main() {
  echo "compare.sh: work directory $work; mlops: $mlops; $runs run(s) each" >&2
  phase_generate
  phase_full
  phase_noop
  phase_other
  print_tables
  if ((failed)); then
    echo "compare.sh: a tool FAILED a workload (above)" >&2
    exit 1
  fi
}
main; exit
