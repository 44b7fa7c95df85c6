#!/usr/bin/env bash
# Release-mode throughput of the Raft core (module Raft), for BENCHMARKS.md.
#
#   scripts/bench-raft.sh
#
# Three voters over MemoryStorage in one process, every message delivered at
# once: the cost of the consensus core itself (no disk, no network). Two loads:
# small entries (100 B) and fragment-sized entries (1 MB, raftcast's ~2 s media
# fragments are of this order). The in-run reference is the time to copy the
# same payload bytes once per node: the core never copies payloads, so for
# large entries its cost should stay near or below that floor.
# (etcd-io/raft, the design reference, needs a Go toolchain, which this
# machine does not have; no cross-implementation ratio is printed.)
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== swift build -c release --product raftcast-bench"
log="${TMPDIR:-/tmp}/raftcast-bench-build.log"
if ! swift build -c release --product raftcast-bench >"$log" 2>&1; then
  grep -E "error" "$log" >&2 || tail -20 "$log" >&2
  echo "error: release build of raftcast-bench failed (log: $log)" >&2
  exit 1
fi
bench=.build/release/raftcast-bench

echo "== small entries"
"$bench" raft-core --entries 100000 --payload-bytes 100 --batch 64
echo "== fragment-sized entries"
"$bench" raft-core --entries 400 --payload-bytes 1048576 --batch 4
