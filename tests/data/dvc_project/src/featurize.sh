# featurize INDIR OUTDIR: "features" of each split (max_features and ngrams from params.yaml).
set -e
max=$(awk '/^featurize:/ {s = 1; next} /^[^ ]/ {s = 0} s && $1 == "max_features:" {print $2}' params.yaml)
ngrams=$(awk '/^featurize:/ {s = 1; next} /^[^ ]/ {s = 0} s && $1 == "ngrams:" {print $2}' params.yaml)
mkdir -p "$2"
for split in train test; do
  { echo "max_features=$max ngrams=$ngrams"; cat "$1/$split.csv"; } > "$2/$split.txt"
done
