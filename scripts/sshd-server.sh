#!/usr/bin/env bash
# A throwaway OpenSSH server for the SSH/SFTP remote's tests (issue 16), without systemd.
#
#   scripts/sshd-server.sh start DIR   runs /usr/sbin/sshd on 127.0.0.1 at a free port, every file
#                                      under DIR: a generated host key, a generated client key
#                                      pair whose public half is the only authorized key, and a
#                                      known_hosts file naming the host key as [127.0.0.1]:PORT.
#                                      Prints, for the tests:
#                                        export MLOPS_TEST_SSH_URL=ssh://USER@127.0.0.1:PORT
#                                        export MLOPS_TEST_SSH_KEY=DIR/client_key
#                                        export MLOPS_TEST_SSH_KNOWN_HOSTS=DIR/known_hosts
#                                        export MLOPS_TEST_SSH_ROOT=DIR/data  (tests' directories)
#   scripts/sshd-server.sh stop DIR    stops sshd and every session process it started
#
# The client logs in as the user running this script (root in CI: PermitRootLogin
# prohibit-password allows keys only). Nothing is exported under ssh's own names (SSH_AUTH_SOCK,
# ...): the tests hand the key and known_hosts to mlops through MLOPS_SSH_KEY and
# MLOPS_SSH_KNOWN_HOSTS.
set -euo pipefail
action="${1:-}"
dir="${2:-}"
if [ -z "$dir" ] || { [ "$action" != start ] && [ "$action" != stop ]; }; then
  echo "usage: scripts/sshd-server.sh start|stop DIR" >&2
  exit 2
fi
sshd=/usr/sbin/sshd

# Every process descending from $1 (sshd's per-connection children call setsid, so they are not
# in its process group). From /proc: a fresh Debian may have no ps.
descendants() {
  local child
  for child in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    echo "$child"
    descendants "$child"
  done
}

stop() {
  local pid
  [ -f "$dir/sshd.pid" ] || return 0
  pid="$(cat "$dir/sshd.pid")"
  # Only the sshd this script started: its command line names DIR's config file.
  if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$dir/sshd_config"; then
    local all
    all="$pid $(descendants "$pid" | tr '\n' ' ')"
    kill -TERM $all 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL $all 2>/dev/null || true
  fi
  rm -f "$dir/sshd.pid"
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A port nobody listens on (sshd failing to bind it anyway is retried below).
free_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 40000))
    port_open "$port" || { echo "$port"; return; }
  done
  echo "sshd-server: no free port found" >&2
  return 1
}

case "$action" in
  stop)
    dir="$(cd "$dir" 2>/dev/null && pwd)" || exit 0
    stop
    ;;
  start)
    [ -x "$sshd" ] || { echo "sshd-server: $sshd is missing (apt-get install openssh-server)" >&2; exit 1; }
    mkdir -p "$dir/data"
    dir="$(cd "$dir" && pwd)"
    stop
    # sshd refuses to start without its privilege separation directory (no systemd made it).
    if [ "$(id -u)" = 0 ]; then
      mkdir -p /run/sshd
      chmod 0755 /run/sshd
    fi
    rm -f "$dir/host_key" "$dir/host_key.pub" "$dir/client_key" "$dir/client_key.pub"
    ssh-keygen -q -t ed25519 -N '' -C mlops-test-host -f "$dir/host_key"
    ssh-keygen -q -t ed25519 -N '' -C mlops-test-client -f "$dir/client_key"
    cp "$dir/client_key.pub" "$dir/authorized_keys"
    user="$(id -un)"
    started=""
    for _ in 1 2 3 4 5; do
      port="$(free_port)"
      cat >"$dir/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers $user
StrictModes no
UsePAM no
UseDNS no
PrintMotd no
MaxStartups 200
MaxSessions 50
Subsystem sftp internal-sftp
LogLevel VERBOSE
EOF
      rm -f "$dir/sshd.pid"
      # sshd binds before it daemonizes: once it returns, the port listens (checked below too).
      if "$sshd" -f "$dir/sshd_config" -E "$dir/sshd.log"; then
        for _ in $(seq 50); do
          if [ -f "$dir/sshd.pid" ] && port_open "$port"; then
            started=1
            break
          fi
          sleep 0.1
        done
      fi
      [ -n "$started" ] && break
      stop
    done
    if [ -z "$started" ]; then
      echo "sshd-server: sshd did not start; its log ($dir/sshd.log):" >&2
      tail -n 20 "$dir/sshd.log" >&2 || true
      exit 1
    fi
    echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$dir/host_key.pub")" >"$dir/known_hosts"
    echo "export MLOPS_TEST_SSH_URL=ssh://$user@127.0.0.1:$port"
    echo "export MLOPS_TEST_SSH_KEY=$dir/client_key"
    echo "export MLOPS_TEST_SSH_KNOWN_HOSTS=$dir/known_hosts"
    echo "export MLOPS_TEST_SSH_ROOT=$dir/data"
    ;;
esac
