#!/usr/bin/env bash
# Clock-sync and playout figures for BENCHMARKS.md (section "Broadcast"), from a release build:
# the ClockSyncFilter over many seeds of the simulator beside two textbook estimators fed the same
# samples (NTP's clock filter and a median of 8 offsets), the filter's cost per sample, and the
# playout scheduler's error on drifting simulated sound cards.
# Usage: scripts/bench-clocksync.sh [--seeds N] [--seconds S] [--playout-seconds S]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --static-swift-stdlib --product raftcast-bench 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\] ' || true
bin="$(swift build -c release --show-bin-path)/raftcast-bench"
[[ -x "$bin" ]] || { echo "error: $bin was not built" >&2; exit 1; }
echo "== raftcast-bench clock-sync $*"
"$bin" clock-sync "$@"
