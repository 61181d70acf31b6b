# train FEATURES MODEL SEED: a "model" from the training features (n_est from params.yaml).
set -e
n_est=$(awk '/^train:/ {s = 1; next} /^[^ ]/ {s = 0} s && $1 == "n_est:" {print $2}' params.yaml)
{ echo "seed=$3 n_est=$n_est"; wc -l < "$1/train.txt"; } > "$2"
