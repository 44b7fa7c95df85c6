#!/usr/bin/env bash
# The project's test command, on a fresh Debian machine:
#   1. installs the Debian packages the build and tests need (scripts/bootstrap.sh),
#   2. builds the package and its tests (debug),
#   3. runs `swift test`,
#   4. runs the release-mode simulation sweep of the Raft core (scripts/simulate.sh).
# Environment: RAFTCAST_SIM_SEEDS (default 2000) seeds for step 4; 0 skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

scripts/bootstrap.sh

echo "== swift build --build-tests"
set +e
swift build --build-tests 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\] (Compiling|Emitting|Write|Linking|Merging|Wrapping|Planning|Copying)'
status=${PIPESTATUS[0]}
set -e
[[ $status -eq 0 ]] || { echo "error: build failed" >&2; exit "$status"; }

echo "== swift test"
set +e
swift test --skip-build --disable-swift-testing 2>&1 | tee "${TMPDIR:-/tmp}/raftcast-swift-test.log" | grep -Ev '^Test Case .* (started|passed)'
status=${PIPESTATUS[0]}
set -e
[[ $status -eq 0 ]] || { echo "error: swift test failed" >&2; exit "$status"; }

if [[ -x scripts/simulate.sh && "${RAFTCAST_SIM_SEEDS:-2000}" != "0" ]]; then
  echo "== simulation sweep"
  scripts/simulate.sh --seeds "${RAFTCAST_SIM_SEEDS:-2000}"
fi

echo "== done in $(( $(date +%s) - start )) s"
# A plain closing line: the XCTest totals of step 3.
# The last totals line is the whole run's: "Executed N tests, with [S tests skipped and] F failures (…)".
summary=$(grep -E "^[[:space:]]*Executed [0-9]+ tests?, with ([0-9]+ tests? skipped and )?[0-9]+ failures?" "${TMPDIR:-/tmp}/raftcast-swift-test.log" | tail -1)
executed=$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$summary")
failed=$(sed -E 's/.* ([0-9]+) failures?.*/\1/' <<<"$summary")
skipped=0
[[ $summary =~ ([0-9]+)\ tests?\ skipped ]] && skipped=${BASH_REMATCH[1]}
echo "tests: $((executed - failed - skipped)) passed, ${skipped} skipped, ${failed} failed"
