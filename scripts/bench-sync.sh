#!/usr/bin/env bash
# Inter-node offset measured from outside the nodes (issue 18, target 5), release build, loopback.
#   RUNS fresh 3-node clusters; every node plays through alsa-lib's file plugin into its own FIFO
#   (`file:FILE=<fifo>,FORMAT=raw`); one capture process reads the FIFOs (a thread each, CLOCK_MONOTONIC
#   stamped on every read); the source is white noise, so every captured frame maps back to its source frame
#   (exact match against ffmpeg's decode of the same file). Per run: for source frames every 0.25 s, the
#   offset of each pair of nodes; median / p90 / max of |offset| per run, and beside each pair what the play
#   logs claim for the same fragments. Method: docs/playback-sync.md, "Measuring sync from outside".
#
#   scripts/bench-sync.sh                 # 10 runs of a 20 s stream
#   RUNS=3 SECONDS_PLAYED=12 scripts/bench-sync.sh
#   RAFTCAST_PLAYHEAD_REFINE_US=300 scripts/bench-sync.sh   # nodes re-place the playhead once the clock's
#                                                            # bound is ≤ 300 µs (experimental, off by default)
#   BIN_DIR=<folder> …                    # another build's binaries (e.g. a baseline)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-10}
SECONDS_PLAYED=${SECONDS_PLAYED:-20}

source scripts/lib/bench-common.sh
bench_binaries raftcast
RAFTCAST="$BIN/raftcast"
# The capture times a frame by when it was written: the nodes write their file: devices chunk by chunk, as a
# sound card is written, not in the 100-ms top-ups they use for such a sink by default.
export RAFTCAST_FILE_SINK_REFILL_MS="${RAFTCAST_FILE_SINK_REFILL_MS:-0}"
bench_workdir sync
CAPTURE="python3 scripts/lib/sync_capture.py"

# White noise, 48 kHz stereo (no resampling), 320 kbit/s MP3; the reference is ffmpeg's decode of that file.
MP3="$WORK/noise.mp3"
ffmpeg -nostdin -v error -f lavfi -i "anoisesrc=color=white:amplitude=0.5:seed=18:sample_rate=48000:duration=$SECONDS_PLAYED" \
  -af "aformat=channel_layouts=stereo" -c:a libmp3lame -b:a 320k "$MP3"
ffmpeg -nostdin -v error -i "$MP3" -f s16le -ar 48000 -ac 2 -y "$WORK/reference.raw"

bench_ports 42000 20
http_of() { echo "$((BASE + 10 + ${1#n}))"; }
role_of() { curl -s --max-time 1 "http://127.0.0.1:$(http_of "$1")/v1/cluster" | sed -n 's/.*"role" *: *"\([a-z-]*\)".*/\1/p'; }
state_of() { curl -s --max-time 1 "http://127.0.0.1:$(http_of "$1")/v1/playback" | sed -n 's/.*"state" *: *"\([a-z]*\)".*/\1/p'; }
counters_of() {
  curl -s --max-time 1 "http://127.0.0.1:$(http_of "$1")/v1/playback" |
    grep -oE '"(drift_correction_frames|hard_resyncs|underruns|clock_error_bound_ns|stalled_samples)" *: *-?[0-9]+' | tr -d '" ' | sort -u | tr '\n' ' '
}

: >"$WORK/results.jsonl"
echo "== sync: $RUNS fresh 3-node clusters, a ${SECONDS_PLAYED} s white-noise MP3, captured from FIFOs ($(git rev-parse --short HEAD))"
for run in $(seq "$RUNS"); do
  RUN_DIR="$WORK/run-$run"
  mkdir -p "$RUN_DIR"
  rm -rf "$WORK/data"
  for n in n1 n2 n3; do mkfifo "$RUN_DIR/$n.fifo"; done
  bench_cluster_yaml bench-sync 3 "file:FILE=$RUN_DIR/n1.fifo,FORMAT=raw" "file:FILE=$RUN_DIR/n2.fifo,FORMAT=raw" \
    "file:FILE=$RUN_DIR/n3.fifo,FORMAT=raw"
  $CAPTURE capture "$RUN_DIR" n1="$RUN_DIR/n1.fifo" n2="$RUN_DIR/n2.fifo" n3="$RUN_DIR/n3.fifo" >"$RUN_DIR/capture.out" &
  CAPTURE_PID=$!
  PIDS+=($!)
  for _ in $(seq 50); do grep -q ready "$RUN_DIR/capture.out" && break; sleep 0.1; done
  NODE_PIDS=()
  for n in n1 n2 n3; do
    "$RAFTCAST" node --config "$WORK/cluster.yaml" --id "$n" --log-level warning >>"$RUN_DIR/$n.log" 2>&1 &
    NODE_PIDS+=($!)
    PIDS+=($!)
  done
  for _ in $(seq 100); do
    [[ "$(role_of n1)" == leader || "$(role_of n2)" == leader || "$(role_of n3)" == leader ]] && break
    sleep 0.1
  done
  "$RAFTCAST" ingest "$MP3" --config "$WORK/cluster.yaml" --name noise >"$RUN_DIR/ingest.log" 2>&1 || echo "run $run: ingest failed"
  # The stream is committed; wait (bounded) until every node has played it out.
  for _ in $(seq $((SECONDS_PLAYED * 10 + 100))); do
    [[ "$(state_of n1)" != playing && "$(state_of n2)" != playing && "$(state_of n3)" != playing ]] && break
    sleep 0.1
  done
  for n in n1 n2 n3; do echo "run $run $n $(counters_of "$n")" >>"$WORK/counters.txt"; done
  for pid in "${NODE_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  sleep 0.3
  kill "$CAPTURE_PID" 2>/dev/null || true
  wait "$CAPTURE_PID" 2>/dev/null || true
  $CAPTURE analyze "$RUN_DIR" "$WORK/reference.raw" "$run" n1="$WORK/data/n1/play-log.jsonl" \
    n2="$WORK/data/n2/play-log.jsonl" n3="$WORK/data/n3/play-log.jsonl" | tee -a "$WORK/results.jsonl" >"$RUN_DIR/result.json"
  python3 - "$RUN_DIR/result.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
if "error" in r:
    print(f"run {r['run']}: {r['error']}"); sys.exit()
a = r["abs_ms"]
pairs = "  ".join(f"{k} {v['captured_ms_median']:+.3f} (log {v['logged_ms_median']:+.3f}, B {v['estimator_b_ms_median']:+.3f})" for k, v in r["pairs"].items())
z = r["settled_abs_ms"]
print(f"run {r['run']}: |offset| ms median {a['median']:.3f} p90 {a['p90']:.3f} max {a['max']:.3f} over {r['frames']} frames ({r['unmatched']} unmatched); from {z['from_s']:.0f} s: {z['median']:.3f} / {z['p90']:.3f} / {z['max']:.3f}; pair captured (logged, estimator B): {pairs}")
EOF
  for n in n1 n2 n3; do cp "$WORK/data/$n/play-log.jsonl" "$RUN_DIR/$n.play-log.jsonl" 2>/dev/null || true; done
  rm -f "$RUN_DIR"/*.fifo
done
# Everything (captured audio and stamps, play logs, results) stays for inspection and re-analysis (RESULTS_DIR, default /tmp/bench-sync-<pid>).
RESULTS_DIR=${RESULTS_DIR:-/tmp/bench-sync-$$}
mkdir -p "$RESULTS_DIR" && cp -r "$WORK"/run-* "$WORK/results.jsonl" "$WORK/counters.txt" "$RESULTS_DIR"/ && echo "details: $RESULTS_DIR"
echo
grep -h . "$WORK/counters.txt"
echo
python3 - "$WORK/results.jsonl" <<'EOF'
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rs = [r for r in rs if "error" not in r]
print("| run | frames | \\|offset\\| median / p90 / max ms, whole stream | from SETTLE s on | pair offsets captured (play log claims), ms |")
print("|---|---|---|---|---|")
for r in rs:
    a = r["abs_ms"]
    pairs = ", ".join(f"{k} {v['captured_ms_median']:+.3f} ({v['logged_ms_median']:+.3f})" for k, v in r["pairs"].items())
    z = r["settled_abs_ms"]
    print(f"| {r['run']} | {r['frames']} | {a['median']:.3f} / {a['p90']:.3f} / {a['max']:.3f} | {z['median']:.3f} / {z['p90']:.3f} / {z['max']:.3f} | {pairs} |")
for key, label in (("abs_ms", "whole stream"), ("settled_abs_ms", "settled")):
    mx = [r[key]["max"] for r in rs]
    over = sum(1 for m in mx if m > 0.1)
    print(f"{label}: runs {len(rs)}, max |offset| per run: median {sorted(mx)[len(mx)//2]:.3f} ms, worst {max(mx):.3f} ms; runs over 0.1 ms: {over}")
# A run's inter-node offset, as the issue measures it: per pair, the median of its offsets (where each
# follower's playhead sits for the run); the per-frame maxima above add the capture's per-write spread.
worst = [max(abs(v['captured_ms_median']) for v in r['pairs'].values()) for r in rs]
pairs = sorted(abs(v['captured_ms_median']) for r in rs for v in r['pairs'].values())
print(f"pair offset (median per pair and run): pairs {len(pairs)}, median {pairs[len(pairs)//2]:.3f} ms, "
      f"p90 {pairs[min(len(pairs) - 1, len(pairs) * 9 // 10)]:.3f} ms, max {max(pairs):.3f} ms; runs with a pair over 0.1 ms: "
      f"{sum(1 for w in worst if w > 0.1)} of {len(rs)}")
dev = [abs(v['captured_ms_median'] - v['logged_ms_median']) for r in rs for v in r['pairs'].values()]
print(f"play log vs capture, per pair: |difference| median {sorted(dev)[len(dev)//2]:.3f} ms, max {max(dev):.3f} ms")
EOF
