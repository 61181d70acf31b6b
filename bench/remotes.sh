#!/usr/bin/env bash
# Remotes (issue 16, section 1; docs/remotes.md): `mlops push` and `mlops pull` of N objects of
# SIZE MiB to and from a directory remote, against `cp -r` of the same objects followed by `sync`
# (mlops makes what it copies durable before it publishes it: the same work), alternated in one
# call (cp first, then mlops, ROUNDS times; the median of each). Target: >= 80 % of cp -r's
# speed. Page cache warm; the remote is a directory on the same disk.
#
#   bench/remotes.sh [--objects N] [--mib SIZE] [--rounds R] [--jobs J]   (default 1000 x 1 MiB, 3 rounds)
#   bench/remotes.sh --smoke                                              (20 x 1 MiB, 1 round; no timing)
#   MLOPS=/path/to/mlops overrides the binary.
# Then bench/s3_remote.sh (the S3 remote against a local S3 server; --smoke passed on), unless
# --no-s3 is given or node is missing, and bench/ssh_remote.sh (the SSH remote against a local
# OpenSSH server, compared with scp -r; --smoke passed on), unless --no-ssh is given or sshd is
# missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mlops="${MLOPS:-$root/build/mlops}"
objects=1000 mib=1 rounds=3 jobs=4 s3=(yes) ssh=(yes)
while [ $# -gt 0 ]; do
  case "$1" in
    --objects) objects="$2"; shift 2 ;;
    --mib) mib="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --smoke) objects=20 rounds=1 s3=(yes --smoke) ssh=(yes --smoke); shift ;;
    --no-s3) s3=(); shift ;;
    --no-ssh) ssh=(); shift ;;
    *) echo "usage: bench/remotes.sh [--objects N] [--mib SIZE] [--rounds R] [--jobs J] [--smoke] [--no-s3] [--no-ssh]" >&2
       exit 2 ;;
  esac
done
[ -x "$mlops" ] || { echo "build mlops first: scripts/build.sh" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir ws
cat > ws/pipeline.yaml <<YAML
version: 1
name: bench
stages:
  make:
    run: /usr/bin/python3 -c "import os; os.makedirs('out', exist_ok=True); [open(f'out/{i}.bin', 'wb').write(os.urandom($mib << 20)) for i in range($objects)]"
    outs: [out]
YAML
(cd ws && "$mlops" run pipeline.yaml > /dev/null)
now() { date +%s.%N; }
diff_s() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
cp_push=() ml_push=() cp_pull=() ml_pull=()
for r in $(seq "$rounds"); do
  rm -rf cp-remote ml-remote && mkdir ml-remote
  sync
  t0=$(now); cp -r ws/.mlops/cache/objects cp-remote; sync; t1=$(now)
  (cd ws && "$mlops" push --remote "$work/ml-remote" -j "$jobs" > /dev/null); t2=$(now)
  cp_push+=("$(diff_s "$t0" "$t1")") ml_push+=("$(diff_s "$t1" "$t2")")
  rm -rf cp-back && sync && t3=$(now); cp -r cp-remote cp-back; sync; t4=$(now)
  rm -rf ws/.mlops/cache/objects
  (cd ws && "$mlops" pull --remote "$work/ml-remote" -j "$jobs" > /dev/null 2>&1); t5=$(now)
  cp_pull+=("$(diff_s "$t3" "$t4")") ml_pull+=("$(diff_s "$t4" "$t5")")
done
[ "$(find ws/.mlops/cache/objects -type f | wc -l)" -ge "$objects" ] || { echo "pull lost objects" >&2; exit 1; }
cpu=$(printf '%s\n' "${cp_push[@]}" | median) mpu=$(printf '%s\n' "${ml_push[@]}" | median)
cpl=$(printf '%s\n' "${cp_pull[@]}" | median) mpl=$(printf '%s\n' "${ml_pull[@]}" | median)
echo "objects $objects x $mib MiB; $rounds round(s); -j $jobs; $(nproc) cores; mlops $("$mlops" --version)"
echo "| transfer | cp -r + sync (s) | mlops (s) | mlops speed / cp -r speed | target | met? |"
echo "|---|---|---|---|---|---|"
for row in "push $cpu $mpu" "pull $cpl $mpl"; do
  set -- $row
  ratio=$(awk -v c="$2" -v m="$3" 'BEGIN { printf "%.2f", c / m }')
  met=$(awk -v r="$ratio" 'BEGIN { print (r >= 0.80) ? 1 : 0 }')
  echo "| $1 | $2 | $3 | $ratio | >= 0.80 | $([ "$met" = 1 ] && echo yes || echo '**no**') |"
done
echo "per round (s): cp push ${cp_push[*]}; mlops push ${ml_push[*]}; cp pull ${cp_pull[*]}; mlops pull ${ml_pull[*]}"
if [ "${#s3[@]}" -gt 0 ] && command -v node >/dev/null; then
  echo
  MLOPS="$mlops" "$root/bench/s3_remote.sh" "${s3[@]:1}"
fi
if [ "${#ssh[@]}" -gt 0 ] && [ -x /usr/sbin/sshd ]; then
  echo
  MLOPS="$mlops" "$root/bench/ssh_remote.sh" "${ssh[@]:1}"
fi
