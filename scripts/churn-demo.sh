#!/usr/bin/env bash
# The churn example end to end, in a fresh workspace (default: out/churn-demo):
#   1. two months of customer data land in data/raw/ -> `mlops trigger check` runs the feature
#      pipeline (validate against pipelines/churn/raw.rules.yaml, featurize, publish), then the
#      training pipeline (split, train, evaluate, gate, deploy to models/production/);
#   2. a third month lands -> it is validated with the others and only it is featurized; training
#      runs again and the gate compares the new model with the deployed one;
#   3. nothing new -> `mlops trigger check` does nothing;
#   4. a batch that breaks the rules lands -> the feature run is rejected (exit 3), nothing
#      downstream runs; the batch is taken back;
#   5. the deployed model's serving traffic drifts (a price rise) -> the monitoring pipeline's
#      drift trigger fires, it records the drift report and fetches the month's churn outcomes
#      into data/raw/outcomes/ -> the feature pipeline and then training run on them;
#   6. `mlops report` writes the training run as HTML.
#
#   scripts/churn-demo.sh [WORKSPACE]          (build first: scripts/build.sh)
# Needs python3-pandas and python3-sklearn (scripts/install-deps.sh installs them).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mlops="${MLOPS:-$root/build/mlops}"
work="${1:-$root/out/churn-demo}"
[ -x "$mlops" ] || { echo "build mlops first: scripts/build.sh" >&2; exit 2; }
python="/usr/bin/python3"
"$python" -c 'import pandas, sklearn' 2> /dev/null || {
  echo "the churn example needs python3-pandas and python3-sklearn: scripts/install-deps.sh" >&2
  exit 2
}

rm -rf "$work"
mkdir -p "$work/pipelines" "$work/.mlops"
cp "$root/pipelines/churn-features.yaml" "$root/pipelines/churn-training.yaml" \
  "$root/pipelines/churn-monitoring.yaml" "$work/pipelines/"
cp -r "$root/pipelines/churn" "$work/pipelines/"
cd "$work"
printf '.mlops/\ndata/\nmodels/\nreports/\n*.html\n' > .gitignore
git init -q -b main .
git add -A
git -c user.name=demo -c user.email=demo@example.invalid commit -qm "churn example"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
land() {
  "$python" pipelines/churn/generate_data.py data/raw "$@"
  sleep 2  # the data trigger waits until files have not been written for 2 s (settle)
}

step "September and October land in data/raw/"
land 2026-09 2026-10
"$mlops" trigger check

step "November lands: only it is featurized; the gate judges the new model"
land 2026-11
"$mlops" trigger check || echo "(a run failed: see above; the gate keeps a worse model out)"

step "Nothing new: nothing runs"
"$mlops" trigger check

step "A broken batch lands: validation rejects it (exit 3) and nothing downstream runs"
# An export where a quarter of the charges came out negative and a plan is misspelled.
"$python" - <<'PY'
import csv
rows = list(csv.reader(open("data/raw/customers-2026-11.csv")))
with open("data/raw/broken-export.csv.partial", "w", newline="") as out:
    writer = csv.writer(out)
    for i, row in enumerate(rows):
        if i > 0:
            row[0] = "2026-13-" + row[0][8:]
            if i % 4 == 0:
                row[3] = "-" + row[3].lstrip("-")
            if i == 7:
                row[5] = "platinum"
        writer.writerow(row)
PY
mv data/raw/broken-export.csv.partial data/raw/broken-export.csv
sleep 2
status=0
"$mlops" trigger check || status=$?
echo "(mlops trigger check exited $status: the run was rejected)"
rm data/raw/broken-export.csv

step "December in production: prices rose, the serving traffic drifts; monitoring fires"
"$python" pipelines/churn/serving_log.py data/serving data/crm 2026-12 --shift 1
sleep 2
"$mlops" trigger check
"$mlops" metrics history drift.monthly_charges.psi

step "December's outcomes landed in data/raw/outcomes/: features, then retraining"
sleep 2
"$mlops" trigger check || echo "(a run failed: see above; the gate keeps a worse model out)"

step "What ran, and why"
"$mlops" runs
step "What produced the deployed model"
"$mlops" lineage models/production/model.pkl --depth 4
step "The last training run as an HTML report"
"$mlops" report latest -o report.html
echo
echo "Workspace: $work  (open $work/report.html in a browser)"
