#!/usr/bin/env bash
# The SSH/SFTP remote (issue 16, section 1; docs/remotes.md): `mlops push` and `mlops pull` of N
# objects of SIZE KiB to and from an OpenSSH server on 127.0.0.1 (scripts/sshd-server.sh, started
# and stopped here), against `scp -r` of the same objects (OpenSSH 9 copies over SFTP too) and
# `rsync -a` over ssh when rsync is installed, alternated in one call, ROUNDS times; the median
# of each. Two sizes by default: 1000 x 1 MiB (throughput) and 1000 x 4 KiB (per-object cost).
# mlops fsyncs every object on the server before it renames it into place; scp and rsync do not
# sync at all (so they do less work). Page cache warm; client and server on the same machine.
#
#   bench/ssh_remote.sh [--objects N] [--kib SIZE] [--rounds R] [--jobs J]
#                       (default: both 1000 x 1024 KiB and 1000 x 4 KiB, 3 rounds, -j 4)
#   bench/ssh_remote.sh --smoke      (20 x 1024 KiB and 20 x 4 KiB, 1 round; checks, no timing)
#   MLOPS=/path/to/mlops overrides the binary.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mlops="${MLOPS:-$root/build/mlops}"
objects=1000 rounds=3 jobs=4 sizes="1024 4"
while [ $# -gt 0 ]; do
  case "$1" in
    --objects) objects="$2"; shift 2 ;;
    --kib) sizes="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --smoke) objects=20 rounds=1; shift ;;
    *) echo "usage: bench/ssh_remote.sh [--objects N] [--kib SIZE] [--rounds R] [--jobs J] [--smoke]" >&2
       exit 2 ;;
  esac
done
[ -x "$mlops" ] || { echo "build mlops first: scripts/build.sh" >&2; exit 2; }
work="$(mktemp -d)"
trap '"$root/scripts/sshd-server.sh" stop "$work/sshd" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
eval "$("$root/scripts/sshd-server.sh" start "$work/sshd")"
export MLOPS_SSH_KEY="$MLOPS_TEST_SSH_KEY" MLOPS_SSH_KNOWN_HOSTS="$MLOPS_TEST_SSH_KNOWN_HOSTS"
port="${MLOPS_TEST_SSH_URL##*:}"
login="${MLOPS_TEST_SSH_URL#ssh://}"
login="${login%:*}"
ssh_options=(-o BatchMode=yes -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$MLOPS_TEST_SSH_KNOWN_HOSTS"
             -i "$MLOPS_TEST_SSH_KEY")
scp_to() { scp -q -r -P "$port" "${ssh_options[@]}" "$1" "$login:$2"; }
scp_from() { scp -q -r -P "$port" "${ssh_options[@]}" "$login:$1" "$2"; }
have_rsync=""
command -v rsync >/dev/null && have_rsync=1
rsync_ssh="ssh -p $port ${ssh_options[*]}"
data="$MLOPS_TEST_SSH_ROOT"
now() { date +%s.%N; }
diff_s() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# One size: prints its table rows.
bench_size() {
  local kib="$1" ws="$work/ws-$1"
  mkdir -p "$ws"
  cat > "$ws/pipeline.yaml" <<YAML
version: 1
name: bench
stages:
  make:
    run: /usr/bin/python3 -c "import os; os.makedirs('out', exist_ok=True); [open(f'out/{i}.bin', 'wb').write(os.urandom($kib << 10)) for i in range($objects)]"
    outs: [out]
YAML
  (cd "$ws" && "$mlops" run pipeline.yaml > /dev/null)
  local scp_push=() ml_push=() scp_pull=() ml_pull=() rs_push=() rs_pull=() r t0 t1 t2 t3 t4 t5
  for r in $(seq "$rounds"); do
    rm -rf "$data/scp" "$data/ml" "$data/rs" "$work/back" && mkdir -p "$data/ml"
    sync
    t0=$(now); scp_to "$ws/.mlops/cache/objects" "$data/scp"; t1=$(now)
    (cd "$ws" && "$mlops" push --remote "$MLOPS_TEST_SSH_URL$data/ml" -j "$jobs" > /dev/null); t2=$(now)
    scp_push+=("$(diff_s "$t0" "$t1")") ml_push+=("$(diff_s "$t1" "$t2")")
    t3=$(now); scp_from "$data/scp" "$work/back"; t4=$(now)
    rm -rf "$ws/.mlops/cache/objects"
    (cd "$ws" && "$mlops" pull --remote "$MLOPS_TEST_SSH_URL$data/ml" -j "$jobs" > /dev/null 2>&1); t5=$(now)
    scp_pull+=("$(diff_s "$t3" "$t4")") ml_pull+=("$(diff_s "$t4" "$t5")")
    if [ -n "$have_rsync" ]; then
      rm -rf "$work/back"
      t0=$(now); rsync -a -e "$rsync_ssh" "$ws/.mlops/cache/objects/" "$login:$data/rs/"; t1=$(now)
      rsync -a -e "$rsync_ssh" "$login:$data/rs/" "$work/back/"; t2=$(now)
      rs_push+=("$(diff_s "$t0" "$t1")") rs_pull+=("$(diff_s "$t1" "$t2")")
    fi
  done
  local stored
  stored="$(find "$ws/.mlops/cache/objects" -type f | wc -l)"
  [ "$stored" -ge "$objects" ] || { echo "pull lost objects ($stored of $objects)" >&2; exit 1; }
  [ -z "$(ls -A "$data/ml/tmp" 2>/dev/null)" ] || { echo "temporary files left in tmp/" >&2; exit 1; }
  local row direction s m rs
  for direction in push pull; do
    if [ "$direction" = push ]; then
      s=$(printf '%s\n' "${scp_push[@]}" | median) m=$(printf '%s\n' "${ml_push[@]}" | median)
      rs=$([ -n "$have_rsync" ] && printf '%s\n' "${rs_push[@]}" | median || echo "–")
    else
      s=$(printf '%s\n' "${scp_pull[@]}" | median) m=$(printf '%s\n' "${ml_pull[@]}" | median)
      rs=$([ -n "$have_rsync" ] && printf '%s\n' "${rs_pull[@]}" | median || echo "–")
    fi
    echo "| $direction $objects x $kib KiB | $s | $rs | $m | $(awk -v s="$s" -v m="$m" 'BEGIN { printf "%.2f", s / m }') | $(awk -v m="$m" -v n="$objects" -v k="$kib" 'BEGIN { printf "%.0f", n * k / 1024 / m }') | $(awk -v m="$m" -v n="$objects" 'BEGIN { printf "%.2f", m * 1000 / n }') |"
  done
  echo "per round (s), $kib KiB: scp push ${scp_push[*]}; mlops push ${ml_push[*]}; scp pull ${scp_pull[*]}; mlops pull ${ml_pull[*]}" >> "$work/rounds"
}

echo "$rounds round(s); -j $jobs; $(nproc) cores; $(ssh -V 2>&1); mlops $("$mlops" --version)"
echo "| transfer | scp -r (s) | rsync -a (s) | mlops (s) | mlops speed / scp speed | mlops MiB/s | mlops ms/object |"
echo "|---|---|---|---|---|---|---|"
for kib in $sizes; do
  bench_size "$kib"
done
cat "$work/rounds"
