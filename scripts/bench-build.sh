#!/usr/bin/env bash
# Build-time benchmark (issue 14): for each commit given, a fresh clone in a scratch folder, dependencies
# resolved from the mirror first (not timed), then
#   1. clean release build of `raftcast` as scripts/run.sh builds it (--static-swift-stdlib),
#   2. incremental release build after touching one file of the composition root (Sources/Node/**/RaftLoop.swift),
#   3. incremental release build after touching one file of a leaf module (Sources/Raft/RaftNode.swift).
# Wall and CPU (user + system) seconds of each, from /usr/bin/time; CPU is the figure to trust on a
# loaded machine. Commits run one after the other, never side by side.
#
#   scripts/bench-build.sh 375cc42 HEAD
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 1 ]] || { echo "usage: scripts/bench-build.sh COMMIT..." >&2; exit 2; }
REPO=$(pwd)
WORK=$(mktemp -d /tmp/raftcast-bench-build.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# timed LABEL CMD...: runs CMD, prints "LABEL wall W s, cpu C s".
timed() {
  local label=$1 out
  shift
  out=$WORK/time.txt
  /usr/bin/time -f "%e %U %S" -o "$out" "$@" >"$WORK/build.log" 2>&1 || { tail -20 "$WORK/build.log" >&2; exit 1; }
  read -r wall user sys <"$out"
  printf '%-34s wall %7.1f s   cpu %7.1f s\n' "$label" "$wall" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')"
}

for commit in "$@"; do
  sha=$(git -C "$REPO" rev-parse --short "$commit")
  dir=$WORK/$sha
  git clone -q "$REPO" "$dir"
  git -C "$dir" checkout -q "$sha"
  echo "== $commit ($sha), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
  (cd "$dir" && swift package resolve >/dev/null 2>&1)
  (cd "$dir" && timed "clean release build" swift build -c release --static-swift-stdlib --product raftcast)
  loop=$(cd "$dir" && find Sources/Node -name RaftLoop.swift | head -1)
  (cd "$dir" && echo "// touched" >>"$loop" && timed "incremental: $(basename "$loop") (Node)" \
    swift build -c release --static-swift-stdlib --product raftcast)
  (cd "$dir" && echo "// touched" >>Sources/Raft/RaftNode.swift && timed "incremental: RaftNode.swift (Raft)" \
    swift build -c release --static-swift-stdlib --product raftcast)
  rm -rf "$dir"
done
