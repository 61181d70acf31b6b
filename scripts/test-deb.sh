#!/usr/bin/env bash
# Tests the Debian package for real: builds it from an existing build directory (`cpack -G DEB`,
# seconds once the build is done), installs it on THIS machine with the install step of action.yml
# (apt-get, which also installs its Depends from the archive when missing), then, with the
# installed /usr/bin/mlops and not the build tree, runs the quickstart pipeline in a copy of
# pipelines/ with action.yml's run step (JUnit file, step summary, outputs; then again: everything
# from the cache), checks `man mlops`, the shell completions and the schemas, and removes the
# package.
#
#   scripts/test-deb.sh [BUILD_DIR]        # default: build/ (as root, or with sudo)
#
# It refuses to run when /usr/bin/mlops exists or the mlops package is installed already, so it
# never overwrites or removes something it did not install. CI runs it after scripts/test.sh (.ci/run).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
sudo=""
if [ "$(id -u)" != 0 ]; then
  sudo="sudo"
fi
fail() {
  echo "test-deb: FAILED: $*" >&2
  exit 1
}

if [ -e /usr/bin/mlops ] && ! dpkg-query -S /usr/bin/mlops >/dev/null 2>&1; then
  fail "/usr/bin/mlops exists and belongs to no package: not overwriting it"
fi
if dpkg-query -W -f '${Status}' mlops 2>/dev/null | grep -q 'ok installed'; then
  fail "the mlops package is installed already (an earlier test killed before its clean-up, or
yours): this test would replace and then remove it; apt-get remove mlops first"
fi
/usr/bin/python3 -c 'import yaml' 2>/dev/null || fail "/usr/bin/python3 lacks yaml (apt-get install python3-yaml)"
command -v dpkg-shlibdeps >/dev/null || fail "dpkg-shlibdeps is missing (apt-get install dpkg-dev)"

version="$(sed -n 's/^project(mlops VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")"
deb="$build/mlops_${version}_amd64.deb"
rm -f "$deb"
(cd "$build" && cpack -G DEB >/dev/null 2>&1) || fail "cpack -G DEB in $build"
[ -f "$deb" ] || fail "cpack wrote no $deb"
echo "test-deb: built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"
depends="$(dpkg-deb -f "$deb" Depends)"
echo "test-deb: Depends: $depends"
for package in libc6 libpq5 libcurl4 libssh2-1 libgit2; do
  case " $depends" in *" $package"*) ;; *) fail "Depends lacks $package: $depends" ;; esac
done

work="$(mktemp -d)"
cleanup() {
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq mlops >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
# Installed and run by the scripts of action.yml's two steps, as the GitHub Action runs them
# (inputs as environment variables; the .deb from a file:// URL instead of a release).
action_step() {
  /usr/bin/python3 -c 'import sys, yaml
steps = yaml.safe_load(open(sys.argv[1]))["runs"]["steps"]
print(next(step["run"] for step in steps if step.get("id") == sys.argv[2]))' "$root/action.yml" "$1"
}
action_step install >"$work/install.sh"
action_step run >"$work/run.sh"
RUNNER_TEMP="$work" MLOPS_DEB_URL="file://$deb" MLOPS_VERSION=latest MLOPS_RELEASE_REPO=unused \
  GH_TOKEN="" bash -e "$work/install.sh" >"$work/install.log" 2>&1 || {
  cat "$work/install.log" >&2
  fail "action.yml's install step with $deb"
}
[ "$(dpkg-query -W -f '${Status}' mlops)" = "install ok installed" ] || fail "mlops not installed"

# The installed binary, from a directory outside the source tree, with a PATH that has no build/.
mkdir "$work/quickstart"
cp -r "$root/pipelines" "$work/quickstart/pipelines"
cd "$work/quickstart"
export PATH=/usr/bin:/bin
[ "$(command -v mlops)" = /usr/bin/mlops ] || fail "mlops on PATH is $(command -v mlops)"
mlops --version | grep -Eq '^mlops [0-9.]+ \(commit ([0-9a-f]{12}(-dirty)?|unknown)\)$' ||
  fail "mlops --version: $(mlops --version)"
mlops check pipelines/quickstart.yaml >/dev/null || fail "mlops check pipelines/quickstart.yaml"
mlops init >/dev/null || fail "mlops init"  # the workspace root: paths are relative to it
: >"$work/summary.md"
: >"$work/output"
GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY="$work/summary.md" GITHUB_OUTPUT="$work/output" \
  MLOPS_PIPELINE=pipelines/quickstart.yaml MLOPS_ARGS="-j 2 -p epochs=300" \
  MLOPS_JUNIT=reports/junit.xml bash -e "$work/run.sh" >"$work/run1.log" 2>&1 || {
  cat "$work/run1.log" >&2
  fail "the quickstart with /usr/bin/mlops (action.yml's run step)"
}
grep -q '^status=succeeded$' "$work/output" || fail "GITHUB_OUTPUT: $(cat "$work/output")"
grep -q 'quickstart' "$work/summary.md" || fail "no step summary: $(cat "$work/summary.md")"
grep -q '<testcase name="evaluate"' reports/junit.xml || fail "no evaluate test case in the JUnit file"
grep -q '"accuracy"' out/quickstart/metrics.json || fail "no accuracy in out/quickstart/metrics.json"
mlops run pipelines/quickstart.yaml >"$work/run2.log" 2>&1 || fail "the second quickstart run"
mlops runs | grep -q quickstart || fail "mlops runs lists no quickstart run"
echo "test-deb: the quickstart ran with /usr/bin/mlops through action.yml: $(grep ^status= "$work/output")"
echo "test-deb: again: $(tail -n 1 "$work/run2.log")"

# The man page, completions and schemas where the system's tools look for them. A Docker image may
# exclude /usr/share/man from dpkg (path-exclude in /etc/dpkg/dpkg.cfg.d/): then say so.
if grep -qs '^path-exclude=*/usr/share/man' /etc/dpkg/dpkg.cfg.d/* || ! command -v man >/dev/null; then
  echo "test-deb: man check skipped: no man (man-db), or dpkg excludes /usr/share/man here"
  dpkg-deb -c "$deb" | grep -q ' ./usr/share/man/man1/mlops.1' || fail "the .deb has no man page"
else
  [ "$(man -w mlops)" = /usr/share/man/man1/mlops.1 ] || fail "man -w mlops: $(man -w mlops 2>&1)"
  MANWIDTH=80 man mlops 2>/dev/null | grep -q 'mlops run' || fail "man mlops shows no 'mlops run'"
  echo "test-deb: man mlops: $(man -w mlops)"
fi
for file in /usr/share/bash-completion/completions/mlops /usr/share/zsh/vendor-completions/_mlops \
  /usr/share/fish/vendor_completions.d/mlops.fish /usr/share/mlops/schemas/pipeline.schema.json; do
  [ -s "$file" ] || fail "$file is missing"
done
bash -c 'source /usr/share/bash-completion/completions/mlops && complete -p mlops' >/dev/null ||
  fail "the bash completion does not load"
# zsh and fish find theirs without any set-up: zsh's compinit registers the #compdef file from the
# fpath, fish autoloads from vendor_completions.d.
if command -v zsh >/dev/null; then
  [ "$(cd "$work" && zsh -fc 'autoload -Uz compinit && compinit -u -D && echo $_comps[mlops]')" = \
    _mlops ] || fail "zsh's compinit does not find /usr/share/zsh/vendor-completions/_mlops"
fi
if command -v fish >/dev/null; then
  (cd "$work" && HOME="$work" fish -c 'complete -C "mlops ru"') | grep -q '^runs' ||
    fail "fish does not complete 'mlops ru' from vendor_completions.d"
fi

cleanup
trap - EXIT
[ ! -e /usr/bin/mlops ] || fail "/usr/bin/mlops is still there after apt-get remove"
echo "test-deb: OK (installed, quickstart through action.yml, man page, completions, removed)"
