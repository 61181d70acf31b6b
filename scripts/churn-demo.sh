#!/usr/bin/env bash
# The churn example end to end, in a fresh workspace (default: out/churn-demo):
#   1. two months of customer data land in data/raw/ -> `mlops trigger check` runs the feature
#      pipeline (validate against pipelines/churn/raw.rules.yaml, featurize, publish), then the
#      training pipeline (split, train: version 1 of the model churn, evaluate, whose gate accepts
#      it without a baseline and promotes it to churn@champion, deploy to serving/);
#   2. a third month lands -> only it is featurized; training runs again, the gate compares
#      version 2 with the champion and promotes it, deploy serves it;
#   3. nothing new -> `mlops trigger check` does nothing;
#   4. a batch that breaks the rules lands -> the feature run is rejected (exit 3), nothing
#      downstream runs; the batch is taken back;
#   5. a deliberately weak candidate (-p algorithm=stump) -> the gate rejects it (exit 3) and says
#      which checks failed; deploy is skipped and the champion stays;
#   6. prices rise: December's serving traffic drifts -> the monitoring pipeline's drift trigger
#      fires; it scores the champion on December's labelled requests (accuracy falls) and
#      fetches the month's outcomes into data/raw/outcomes/ -> the features are rebuilt, and
#      the training pipeline's metric trigger (with its artifact trigger) retrains; the gate
#      promotes the new version; `mlops trigger explain` says why it fired;
#      `mlops report` writes that training run as HTML;
#   7. the new champion is rolled back -> `mlops run` redeploys the previous version (deploy's
#      input changed back, so its earlier output is restored from the cache); `mlops models
#      history churn` lists every move of churn@champion.
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
printf '.mlops/\ndata/\nmodels/\nreports/\nserving/\n*.html\n' > .gitignore
git init -q -b main .
git add -A
git -c user.name=demo -c user.email=demo@example.invalid commit -qm "churn example"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
land() {
  "$python" pipelines/churn/generate_data.py data/raw "$@"
  sleep 2  # the data trigger waits until files have not been written for 2 s (settle)
}

step "September and October land in data/raw/: features, then training; v1 becomes champion"
land 2026-09 2026-10
"$mlops" trigger check
"$mlops" models show churn

step "November lands: only it is featurized; the gate judges v2 against the champion"
land 2026-11
"$mlops" trigger check
"$mlops" models show churn

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
echo "-- the batch is taken back: the features are restored from the cache"
rm data/raw/broken-export.csv
"$mlops" trigger check

step "A weak candidate (a one-split tree): the gate rejects it (exit 3); the champion stays"
status=0
"$mlops" run pipelines/churn-training.yaml -p algorithm=stump || status=$?
echo "(mlops run exited $status: the gate rejected the candidate)"
"$mlops" models show churn

step "December in production: prices rose, the traffic drifts and the champion's accuracy falls"
"$python" pipelines/churn/serving_log.py data/serving data/crm 2026-12 --shift 1
sleep 2  # the drift trigger waits until the serving log has not been written for 2 s (settle)
"$mlops" trigger check
"$mlops" metrics history accuracy --pipeline churn-monitoring
"$mlops" metrics history drift.monthly_charges.psi
step "Why churn-training ran"
"$mlops" trigger explain churn-training
step "The retraining run as an HTML report"
"$mlops" report latest -o report.html

step "Rollback: churn@champion goes back to the previous version; deploy serves it again"
"$mlops" models rollback churn --alias champion --reason "December model under review"
"$mlops" run pipelines/churn-training.yaml
echo "churn@champion is v$("$mlops" models resolve churn@champion)"
"$mlops" models history churn

step "What ran, and why"
"$mlops" runs
step "What produced the newest version of churn (v4)"
"$mlops" lineage models/candidate/model.pkl --depth 4
echo
echo "Workspace: $work  (open $work/report.html in a browser)"
