#!/usr/bin/env bash
# cmake/BuildInfo.cmake, the commit `mlops --version` prints: HEAD's 12-digit short hash in a git
# tree, "-dirty" after it when a tracked file's content changed (not when it was only touched),
# "unknown" outside git (a source tarball); and the generated file is left alone when unchanged,
# so ninja and ccache have nothing to redo.
set -euo pipefail
script="$(cd "$(dirname "$0")/../.." && pwd)/cmake/BuildInfo.cmake"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() {
  echo "build_info_test: FAILED: $*" >&2
  exit 1
}
commit_of() {
  cmake -DSOURCE_DIR="$1" -DOUTPUT="$work/build_info.cpp" -P "$script"
  sed -n 's/.*return "\(.*\)";.*/\1/p' "$work/build_info.cpp"
}

mkdir "$work/tarball"
echo x >"$work/tarball/file"
[ "$(commit_of "$work/tarball")" = unknown ] || fail "not unknown outside git"

repo="$work/repo"
git init -q "$repo"
echo one >"$repo/file"
git -C "$repo" add file
git -C "$repo" -c user.name=t -c user.email=t@t commit -q -m one
head="$(git -C "$repo" rev-parse --short=12 HEAD)"
[ "$(commit_of "$repo")" = "$head" ] || fail "expected $head, got $(commit_of "$repo")"
[ ${#head} = 12 ] || fail "short hash $head is not 12 digits"
before="$(stat -c %.9Y "$work/build_info.cpp")"
sleep 1
touch "$repo/file"
echo untracked >"$repo/new"
[ "$(commit_of "$repo")" = "$head" ] || fail "a touched file or an untracked one made it dirty"
after="$(stat -c %.9Y "$work/build_info.cpp")"
[ "$before" = "$after" ] || fail "the generated file was rewritten with the same text"
echo two >"$repo/file"
[ "$(commit_of "$repo")" = "$head-dirty" ] || fail "a changed tracked file is not -dirty"
echo "build_info_test: OK"
