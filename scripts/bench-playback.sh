#!/usr/bin/env bash
# Playback-engine figures for BENCHMARKS.md (section "Broadcast — playback engine"), from a release
# build: the engine playing a whole file (manual clock, counting sink, fragments committed 1.5 s
# ahead) beside Media's decoder alone and the ffmpeg CLI decoding the same file to the same PCM.
# Usage: scripts/bench-playback.sh [SECONDS]     (default 600: a 10-minute MP3 made by make-media.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
scripts/make-media.sh long-mp3 "$seconds" "$dir/long.mp3"
scripts/make-media.sh m4a "$seconds" "$dir/long.m4a"
swift build -c release --static-swift-stdlib --product raftcast-bench 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\] ' || true
bin="$(swift build -c release --show-bin-path)/raftcast-bench"
[[ -x "$bin" ]] || { echo "error: $bin was not built" >&2; exit 1; }
for file in "$dir/long.mp3" "$dir/long.m4a"; do
  echo "== raftcast-bench playback $(basename "$file")"
  "$bin" playback "$file"
done
