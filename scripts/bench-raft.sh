#!/usr/bin/env bash
# Release-mode benchmarks of the Raft core (module Raft), for BENCHMARKS.md.
#
#   scripts/bench-raft.sh [--seconds S]
#
# Three voters over MemoryStorage in one process and one thread, no faults,
# no disk, no network: the cost of the consensus core itself.
#  1. `raftcast-bench raft-core` (by the Raft core's author): small entries (100 B)
#     and fragment-sized entries (1 MB); the in-run reference is copying the same
#     payload bytes once per node.
#  2. `raftcast-bench raft` (by the simulator's author): entries/s and MB/s of
#     64 KiB and 1 MiB payloads committed and applied on all three nodes, and heap
#     allocations per proposal (malloc interposition, with a self-check); the
#     in-run reference is memcpy of one payload. `--seconds S` is passed to it.
# (etcd-io/raft, the design reference, needs a Go toolchain, which this machine
# does not have; no cross-implementation ratio is printed.)
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== swift build -c release --static-swift-stdlib --product raftcast-bench"
log="${TMPDIR:-/tmp}/raftcast-bench-build.log"
if ! swift build -c release --static-swift-stdlib --product raftcast-bench >"$log" 2>&1; then
  grep -E "error" "$log" >&2 || tail -20 "$log" >&2
  echo "error: release build of raftcast-bench failed (log: $log)" >&2
  exit 1
fi
bench="$(swift build -c release --show-bin-path)/raftcast-bench"

echo "== raft-core: small entries"
"$bench" raft-core --entries 100000 --payload-bytes 100 --batch 64
echo "== raft-core: fragment-sized entries"
"$bench" raft-core --entries 400 --payload-bytes 1048576 --batch 4
echo "== raft: 64 KiB and 1 MiB payloads, allocations per proposal"
"$bench" raft "$@"
