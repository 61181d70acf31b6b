# prepare INPUT OUTDIR: splits the rows into train and test (the split is read from params.yaml).
set -e
split=$(awk '/^prepare:/ {s = 1; next} /^[^ ]/ {s = 0} s && $1 == "split:" {print $2}' params.yaml)
mkdir -p "$2"
head -n 4 "$1" > "$2/train.csv"
{ head -n 1 "$1"; tail -n 2 "$1"; } > "$2/test.csv"
echo "split $split" > "$2/split.txt"
