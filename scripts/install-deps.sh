#!/usr/bin/env bash
# Installs everything mlops needs to build and run its examples, from Debian 12 packages only;
# with --test, also what the test suite needs (a schema validator, xmllint, headless Chromium,
# clang with libFuzzer for scripts/fuzz.sh) and the benchmarks' peers and tools (bench/README.md:
# snakemake, hyperfine, /usr/bin/time, strace; curl for the web UI's tests and bench/ui.sh; the
# sqlite3 shell, through which tests tamper with a store; ninja and make are already in the list).
# Idempotent: packages already present are not fetched again, and apt-get update
# runs only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libcli11-dev libyaml-cpp-dev libgit2-dev libsqlite3-dev
  libboost-dev libboost-filesystem-dev
  nlohmann-json3-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev libxxhash-dev
  libhowardhinnant-date-dev tzdata zlib1g-dev libre2-dev libsimdjson-dev libzstd-dev
  libpq-dev libssh2-1-dev libcurl4-openssl-dev libcpp-httplib-dev
  python3 python3-pandas python3-sklearn procps make git
)
if [ "${1:-}" = "--test" ]; then
  packages+=(python3-jsonschema python3-yaml libxml2-utils chromium zsh fish clang
    snakemake hyperfine time strace python3-scipy man-db curl sqlite3
    postgresql slurmctld slurmd slurm-client munge openssh-server openssh-client)
  # node and npm run the S3 test server (s3rver, from the npm registry: scripts/s3-server.sh);
  # a machine with node from elsewhere (nodesource) keeps it.
  if ! command -v npm >/dev/null; then packages+=(nodejs npm); fi
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
