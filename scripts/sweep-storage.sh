#!/usr/bin/env bash
# Long seeded crash sweep of the durable log: random operations, power losses
# (keeping random parts of unsynced tails) and disk faults (ENOSPC, EIO, torn
# writes), checked against MemoryStorage after every restart.
#
#   scripts/sweep-storage.sh [SEEDS]      # default 300 seeds per test (about 3 min in debug here)
#
# A failure names its seed and step; the unit tests run 12 seeds of each.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds="${1:-300}"
swift build --build-tests 2>&1 | grep -E "error|Build" | tail -2
RAFTSTORAGE_SEEDS="$seeds" swift test --skip-build --filter RaftStorageTests.RandomCrashTests 2>&1 \
  | grep -E "error|Test Case .*(passed|failed)|Executed" | tail -4
