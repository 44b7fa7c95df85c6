#!/usr/bin/env bash
# The exact error of the followers' cluster-clock estimates on one host (issue 18, target 5), release build.
#   All nodes of a loopback cluster share CLOCK_MONOTONIC: each node's GET /v1/playback gives its monotonic
#   clock (`local_time_ns`) and its cluster time at that instant (`cluster_time_ns`); a follower's error is its
#   offset (cluster − local) minus the leader's (the timekeeper's, interpolated to the same instant). RUNS fresh
#   3-node clusters (`audio: none`), every node polled every INTERVAL_MS for SECONDS_POLLED s; per run and
#   follower: median / p90 / max |error| in µs over the reads SETTLE_S after every follower synchronized
#   (after the 5-s burst), the signed median, the follower's own error bound (median), and the largest
#   |error| before that (during the burst).
#
#   scripts/bench-clock.sh                        # 5 runs of 25 s, settle 5 s, reads every 100 ms
#   RUNS=3 SECONDS_POLLED=20 scripts/bench-clock.sh
#   BIN_DIR=<folder> …                            # another build's binaries (e.g. a baseline)
#   BIN_DIRS="<folder A> <folder B>" …            # several builds, alternating run by run (same conditions)
#   BURN=2 …                                      # with 2 busy loops (nice 0) running: a loaded machine
#   RAFTCAST_* environment variables reach the nodes (tuning knobs).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
SECONDS_POLLED=${SECONDS_POLLED:-25}
SETTLE_S=${SETTLE_S:-5}
INTERVAL_MS=${INTERVAL_MS:-100}

source scripts/lib/bench-common.sh
if [[ -z "${BIN_DIRS:-}" ]]; then
  bench_binaries raftcast
  BIN_DIRS=$BIN
fi
bench_workdir clock
TRUTH="python3 scripts/lib/clock_truth.py"
bench_ports 44000 20
for _ in $(seq "${BURN:-0}"); do
  (while :; do :; done) &
  PIDS+=($!)
done

echo "== clock truth: $RUNS fresh 3-node clusters per build, ${SECONDS_POLLED} s each, settle ${SETTLE_S} s, ${BURN:-0} busy loops ($(git rev-parse --short HEAD)), load $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq "$RUNS"); do
  build=0
  for bin in $BIN_DIRS; do
    build=$((build + 1))
    rm -rf "$WORK/data"
    bench_cluster_yaml bench-clock 3
    NODE_PIDS=()
    for n in n1 n2 n3; do
      "$bin/raftcast" node --config "$WORK/cluster.yaml" --id "$n" --log-level warning >>"$WORK/run-$run-$build-$n.log" 2>&1 &
      NODE_PIDS+=($!)
      PIDS+=($!)
    done
    $TRUTH poll "$WORK/run-$run-$build.jsonl" "$SECONDS_POLLED" "$INTERVAL_MS" $((BASE + 11)) $((BASE + 12)) $((BASE + 13))
    for pid in "${NODE_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${NODE_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    line=$($TRUTH report "$WORK/run-$run-$build.jsonl" "$SETTLE_S")
    echo "$line" >>"$WORK/results-$build.jsonl"
    echo "run $run, $bin (load $(cut -d' ' -f1 /proc/loadavg)): $line"
  done
done
build=0
for bin in $BIN_DIRS; do
  build=$((build + 1))
  python3 - "$WORK/results-$build.jsonl" "$bin" <<'PY'
import json, sys
medians, maxima, early = [], [], []
for line in open(sys.argv[1]):
    r = json.loads(line)
    f = r.get("followers") or {}
    if not f:
        continue
    medians.append(max(v["median_us"] for v in f.values()))
    maxima.append(max(v["max_us"] for v in f.values()))
    early.append(max(v["before_settle_max_us"] or 0 for v in f.values()))
if medians:
    print(f"== {sys.argv[2]}: worst follower per run: median |error| {sorted(medians)} µs; max |error| {sorted(maxima)} µs;"
          f" max |error| before settling {sorted(early)} µs")
PY
done
echo "== load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
