#!/usr/bin/env bash
# Catch-up benchmark (issue 17): how fast a node that joins with `raftcast node --join` catches up over a
# large log, and what that costs the broadcast the voters play meanwhile. Release build, loopback, real fsync.
#
#   1. 3 voters (no compaction: --snapshot-entries 0 --snapshot-bytes 0), each playing into alsa-lib's file
#      plugin into /dev/null; their log is filled with LOG_MIB MiB of 1 MiB entries through
#      POST /v1/debug/propose (`raftcast-bench cluster --concurrency 4`, incompressible random bytes): the
#      quickest way to a log of that size; the entries are opaque to the state machine, so what is measured is
#      Raft's replication of the log (a learner throttled by Config.maxLearnerInflightBytes), not ingest.
#   2. A paced broadcast (`raftcast ingest`, a PLAY_SECONDS 192 kbps MP3) starts; LEAD_SECONDS after every
#      voter plays it, n4 is started with `raftcast node --join` (empty data dir, audio into /dev/null too).
#   3. scripts/lib/catchup.py watch polls every 100 ms: when the leader lists n4, when n4 answers, when n4's
#      applied index reaches the leader's commit index. Catch-up rate = n4's data dir (du) at that moment /
#      seconds from the start of `--join`; also the log's payload (LOG_MIB) / seconds.
#   4. When the broadcast has played out: the voters' play logs (skew p50/p99/max over all fragments and over
#      those that started during the catch-up, largest gap), and each voter's /v1/playback counters
#      (stalled_samples, hard_resyncs, drift_correction_frames) before the join and at the end.
#
#   scripts/bench-catchup.sh [--quick]        LOG_MIB=1024 PLAY_SECONDS=150 (--quick: LOG_MIB=64, PLAY_SECONDS=40)
#   LOG_MIB=256 scripts/bench-catchup.sh      a smaller log; BIN_DIR=<folder with raftcast, raftcast-bench> skips the build
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/bench-common.sh
bench_quick_flag "$@"
LOG_MIB=${LOG_MIB:-1024} PLAY_SECONDS=${PLAY_SECONDS:-150} LEAD_SECONDS=${LEAD_SECONDS:-5}
[[ $QUICK -eq 1 ]] && { LOG_MIB=64 PLAY_SECONDS=40; }
[[ $LOG_MIB =~ ^[1-9][0-9]*$ && $PLAY_SECONDS =~ ^[1-9][0-9]*$ && $LEAD_SECONDS =~ ^[0-9]+$ ]] ||
  { echo "error: LOG_MIB, PLAY_SECONDS and LEAD_SECONDS must be whole numbers (LOG_MIB, PLAY_SECONDS > 0)" >&2; exit 2; }

bench_binaries raftcast raftcast-bench
RAFTCAST="$BIN/raftcast"
BENCH="$BIN/raftcast-bench"
bench_workdir catchup
bench_ports 24000 25   # raft BASE+1..4, http BASE+11..14
AUDIO="file:FILE=/dev/null,FORMAT=raw"
bench_cluster_yaml catchup 3 "$AUDIO" "$AUDIO" "$AUDIO"
TOKEN=$(bench_admin_token)
NO_COMPACTION=(--snapshot-entries 0 --snapshot-bytes 0)
VOTER_URLS="http://127.0.0.1:$((BASE + 11)),http://127.0.0.1:$((BASE + 12)),http://127.0.0.1:$((BASE + 13))"
ENDPOINTS="127.0.0.1:$((BASE + 11)),127.0.0.1:$((BASE + 12)),127.0.0.1:$((BASE + 13))"
JOINER_URL="http://127.0.0.1:$((BASE + 14))"

fail() { echo "error: $*" >&2; for f in "$WORK"/*.log; do echo "--- $f" >&2; tail -5 "$f" >&2; done; exit 1; }
# wait_for SECONDS WHAT COMMAND...: runs COMMAND every 200 ms until it succeeds, at most SECONDS.
wait_for() {
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    (( SECONDS < deadline )) || fail "$what: not within the bound"
    sleep 0.2
  done
}
playback() { curl -sf -m 2 -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$((BASE + 10 + $1))/v1/playback"; }
all_playing() { local i; for i in 1 2 3; do [[ $(playback "$i" | jq -r .state) == playing ]] || return 1; done; }
all_idle() { local i; for i in 1 2 3; do [[ $(playback "$i" | jq -r .state) == idle ]] || return 1; done; }
all_synchronized() { local i; for i in 1 2 3; do [[ $(playback "$i" | jq -r .clock_synchronized) == true ]] || return 1; done; }
counters() { local i; for i in 1 2 3; do echo "n$i $(playback "$i" | jq -c '{stalled_samples, hard_resyncs, drift_correction_frames}')"; done; }

echo "== catch-up: 3 voters, log of $LOG_MIB MiB (1 MiB entries, no compaction), a ${PLAY_SECONDS} s paced broadcast, n4 joins ${LEAD_SECONDS} s in"
echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources Package.swift || echo '+changes'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for i in 1 2 3; do
  "$RAFTCAST" node --config "$WORK/cluster.yaml" --id "n$i" --log-level warning --enable-debug-propose "${NO_COMPACTION[@]}" \
    >>"$WORK/n$i.log" 2>&1 &
  PIDS+=($!)
done
wait_for 30 "a leader" "$RAFTCAST" status --config "$WORK/cluster.yaml" --timeout-ms 500
wait_for 30 "every voter's clock synchronized" all_synchronized

started=$(date +%s.%N)
"$BENCH" cluster --endpoints "$ENDPOINTS" --secret-file "$WORK/cluster.secret" --value-size $((1 << 20)) \
  --concurrency 4 --count "$LOG_MIB" | sed 's/^/fill: /' || fail "filling the log"
echo "fill: $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s; the 3 voters' data dirs $(du -sm "$WORK/data" | cut -f1) MiB"

ffmpeg -nostdin -v error -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=$PLAY_SECONDS" \
  -f lavfi -i "anoisesrc=color=pink:amplitude=0.05:seed=7:sample_rate=44100:duration=$PLAY_SECONDS" \
  -filter_complex "[0][1]amix=inputs=2:normalize=0,aformat=channel_layouts=stereo" -c:a libmp3lame -b:a 192k "$WORK/broadcast.mp3"
"$RAFTCAST" ingest "$WORK/broadcast.mp3" --config "$WORK/cluster.yaml" --name catchup >"$WORK/ingest.log" 2>&1 &
PIDS+=($!)
INGEST=$!
wait_for 30 "every voter playing the broadcast" all_playing
sleep "$LEAD_SECONDS"  # the broadcast's own pace: the join comes LEAD_SECONDS into it (not a synchronisation)
BEFORE=$(counters)

mkdir -p "$WORK/joiner"
JOIN_START=$(date +%s.%N)
"$RAFTCAST" node --join "127.0.0.1:$((BASE + 12))" --id n4 --raft "127.0.0.1:$((BASE + 4))" --http "127.0.0.1:$((BASE + 14))" \
  --data-dir "$WORK/joiner/data" --secret-file "$WORK/cluster.secret" --audio "$AUDIO" --log-level warning "${NO_COMPACTION[@]}" \
  >>"$WORK/n4.log" 2>&1 &
PIDS+=($!)
WATCH=$(python3 scripts/lib/catchup.py watch --voters "$VOTER_URLS" --joiner "$JOINER_URL" --joiner-id n4 --token "$TOKEN" \
  --timeout $((LOG_MIB + 120))) || fail "catch-up"
JOINER_MIB=$(du -sm "$WORK/joiner/data" | cut -f1)
JOINER_BYTES=$(du -sb "$WORK/joiner/data" | cut -f1)
CAUGHT=$(jq -r .caught_up_s <<<"$WATCH")
echo "join: $(jq -c . <<<"$WATCH")"
awk -v bytes="$JOINER_BYTES" -v mib="$LOG_MIB" -v s="$CAUGHT" -v listed="$(jq -r .listed_s <<<"$WATCH")" 'BEGIN {
  printf "catch-up: listed by the leader after %.2f s, caught up after %.2f s: %.1f MiB/s (its data dir, %.0f MiB), %.1f MiB/s (the log payload, %d MiB)\n",
    listed, s, bytes / 1048576 / s, bytes / 1048576, mib / s, mib }'

wait "$INGEST" || fail "the ingest failed: $(tail -3 "$WORK/ingest.log")"
wait_for $((PLAY_SECONDS + 60)) "the broadcast played out on every voter" all_idle
echo "voters' /v1/playback before the join:"; sed 's/^/  /' <<<"$BEFORE"
echo "voters' /v1/playback at the end:"; counters | sed 's/^/  /'
python3 scripts/lib/catchup.py skew --from "$(jq -r .cluster_time_start_ns <<<"$WATCH")" --to "$(jq -r .cluster_time_caught_up_ns <<<"$WATCH")" \
  "$WORK"/data/n{1,2,3}/play-log.jsonl | sed 's/^/voters: /'
python3 scripts/lib/catchup.py skew --from "$(jq -r .cluster_time_start_ns <<<"$WATCH")" --to "$(jq -r .cluster_time_caught_up_ns <<<"$WATCH")" \
  "$WORK"/data/n1/play-log.jsonl "$WORK"/joiner/data/play-log.jsonl | sed 's/^/n4 vs n1: /'
