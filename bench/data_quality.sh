#!/usr/bin/env bash
# Data quality speed (issue 13, section 5): mlops data profile / validate / drift on a generated CSV
# of 20 mixed columns (bench/gen_data.py), against pandas (Debian's python3-pandas: read_csv,
# describe() and a few checks, as a Python user would write them) on the same file, in the same
# call of this script, alternated A B A B.
#
#   bench/data_quality.sh [SIZE_MB=1024] [ROUNDS=3]      MLOPS=/path overrides the binary
#   bench/data_quality.sh --smoke                         20 MB, one round (CI: the harness works)
#
# Prints MB/s for each tool and the ratio mlops/pandas (per round, median), and the time of a drift
# between two stored profiles of 1000 columns (no data read).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mlops="${MLOPS:-$root/build/mlops}"
python=/usr/bin/python3
size_mb=1024
rounds=3
if [ "${1:-}" = "--smoke" ]; then
  size_mb=20
  rounds=1
  shift
else
  size_mb="${1:-1024}"
  rounds="${2:-3}"
fi
[ -x "$mlops" ] || { echo "data_quality.sh: no mlops binary at $mlops (scripts/build.sh, or MLOPS=...)" >&2; exit 2; }
"$python" -c 'import pandas' 2>/dev/null || { echo "data_quality.sh: needs python3-pandas" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
echo "generating $size_mb MB of CSV (20 columns) in $work" >&2
"$python" "$root/bench/gen_data.py" data.csv "$size_mb"
"$python" "$root/bench/gen_data.py" --wide wide-a.csv 1000 2000 --seed 1
"$python" "$root/bench/gen_data.py" --wide wide-b.csv 1000 2000 --seed 2 --shift 0.1
bytes=$(stat -c %s data.csv)
cat > rules.yaml <<'YAML'
version: 1
dataset:
  - rows: {min: 1}
  - unique: [id]
columns:
  f0: {range: [0, 1000], completeness: 0.95}
  i1: {range: [0, 1000]}
  plan: {in_set: [basic, standard, premium]}
  email: {pattern: email, mostly: 0.99}
  day: {type: date}
YAML
cat > pandas_check.py <<'PY'
import sys
import pandas as pd
df = pd.read_csv(sys.argv[1])
d = df.describe(include="all")
assert df["id"].is_unique
assert df["f0"].between(0, 1000).mean() > 0.95
assert df["plan"].isin(["basic", "standard", "premium"]).all()
assert df["email"].str.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+").mean() > 0.99
print(len(df), len(d.columns))
PY
us() { local s e; s=$EPOCHREALTIME; "$@" > /dev/null 2> "$work/err" || { cat "$work/err" >&2; return 1; }; e=$EPOCHREALTIME; echo $(( ${e/./} - ${s/./} )); }
cat data.csv > /dev/null  # page cache warm
declare -a prof prof2 val pan cat_
for ((r = 0; r < rounds; r++)); do
  cat_+=("$(us cat data.csv)")
  prof+=("$(us "$mlops" data profile data.csv -o profile.json)")
  prof2+=("$(us "$mlops" data profile data.csv --threads 2 -o profile2.json)")
  val+=("$(us "$mlops" data validate data.csv --rules rules.yaml -o validation.json)")
  pan+=("$(us "$python" pandas_check.py data.csv)")
done
"$mlops" data profile wide-a.csv -o wide-a.json > /dev/null
"$mlops" data profile wide-b.csv -o wide-b.json > /dev/null
declare -a drift
for ((r = 0; r < rounds; r++)); do
  drift+=("$(us "$mlops" data drift --reference wide-a.json --current wide-b.json --report-only -o drift.json)")
done
"$python" - "$bytes" "${#prof[@]}" "${cat_[*]}" "${prof[*]}" "${val[*]}" "${pan[*]}" "${drift[*]}" \
  "${prof2[*]}" <<'PY'
import statistics, sys
size = int(sys.argv[1])
cat_, prof, val, pan, drift, prof2 = [list(map(int, a.split())) for a in sys.argv[3:9]]
mb = size / 1e6
def rate(us): return mb / (us / 1e6)
med = statistics.median
print(f"file: {mb:.0f} MB, 20 columns; {len(prof)} round(s); medians")
print("| what | time | MB/s | vs pandas (per-round median) |")
print("|---|---|---|---|")
print(f"| cat > /dev/null | {med(cat_)/1e6:.2f} s | {rate(med(cat_)):.0f} | |")
for name, xs in (("mlops data profile", prof), ("mlops data profile --threads 2", prof2),
                 ("mlops data validate (unique, range, set, email pattern, type)", val)):
    ratio = med(p / x for p, x in zip(pan, xs))
    print(f"| {name} | {med(xs)/1e6:.2f} s | {rate(med(xs)):.0f} | {ratio:.1f}x faster |")
print(f"| pandas read_csv + describe() + 4 checks | {med(pan)/1e6:.2f} s | {rate(med(pan)):.0f} | 1 |")
print(f"| mlops data drift, two stored profiles of 1000 columns | {med(drift)/1e3:.0f} ms | | |")
PY
