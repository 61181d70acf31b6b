#!/bin/sh
# The trigger loop in a scratch directory: data lands -> `mlops trigger check` runs the feature
# pipeline, then the training pipeline; a second check finds nothing to do.
#   examples/triggers/demo.sh [MLOPS_BINARY]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mlops=${1:-$here/../../build/mlops}
mlops=$(cd "$(dirname "$mlops")" && pwd)/$(basename "$mlops")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here/pipelines" "$here/train.sh" "$work/"
cd "$work"
git init -q -b main . && git add -A && git -c user.name=demo -c user.email=demo@example.invalid commit -qm demo
mkdir -p data/raw .mlops
printf 'id,amount\n1,10\n2,20\n' > data/raw/2026-11-24.csv
echo "(waiting 1 s: a file counts once it has not been written for its trigger's settle time)"
sleep 1

echo "== first check: a CSV has landed"
"$mlops" trigger check
echo
echo "== second check: nothing changed"
"$mlops" trigger check
echo
echo "== a new CSV lands"
printf 'id,amount\n3,5\n' > data/raw/2026-11-25.csv
sleep 1
"$mlops" trigger check -q
echo
"$mlops" runs
