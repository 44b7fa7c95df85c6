#!/usr/bin/env bash
# Raft core benchmark: builds raftcast-bench in release and runs `raftcast-bench raft`
# (3 voters, MemoryStorage, no faults, one thread; 64 KiB and 1 MiB payloads).
# The reference measured in the same run is memcpy of each payload.
#
#   scripts/bench-raft.sh [--seconds S]     (extra arguments go to `raftcast-bench raft`)
set -euo pipefail
cd "$(dirname "$0")/.."
set +e
swift build -c release --product raftcast-bench 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\] (Compiling|Emitting|Write|Linking|Merging|Wrapping|Planning|Copying)'
status=${PIPESTATUS[0]}
set -e
[[ $status -eq 0 ]] || { echo "error: bench-raft.sh: release build of raftcast-bench failed" >&2; exit "$status"; }
bin="$(swift build -c release --show-bin-path)/raftcast-bench"
echo "== $bin raft $*"
"$bin" raft "$@"
