#!/usr/bin/env bash
# Apply + feed figures for BENCHMARKS.md (section "Broadcast — apply and feed per fragment"), from a release
# build: the CPU a playing follower spends per committed fragment between the log and the playback engine
# (catalogue entry decode, the catalogue's apply with its one fragment decode, the feed into the engine),
# against the same path with the second decode the feed made before issue 14. Rounds alternate between the
# two in one process; the median is printed.
# Usage: scripts/bench-feed.sh [SECONDS]     (default 600: a 10-minute MP3 and M4A made by make-media.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
scripts/make-media.sh long-mp3 "$seconds" "$dir/long.mp3"
scripts/make-media.sh m4a "$seconds" "$dir/long.m4a"
swift build -c release --static-swift-stdlib --product raftcast-bench 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\] ' || true
bin="$(swift build -c release --static-swift-stdlib --show-bin-path)/raftcast-bench"
[[ -x "$bin" ]] || { echo "error: $bin was not built" >&2; exit 1; }
for file in "$dir/long.mp3" "$dir/long.m4a"; do
  echo "== raftcast-bench feed $(basename "$file")"
  "$bin" feed "$file"
done
