#!/usr/bin/env bash
# Ingest benchmark: a 3-node raftcast cluster on loopback (real fsync), `--fast` ingest of a 60-minute MP3
# and a 10-minute 720p MP4, end to end: from the start of the upload until the leader's catalogue shows the
# stream ended (every fragment committed on a majority). Prints media-seconds per second and MB/s, beside
# the replication reference measured on the same cluster in the same run (1 MiB entries through
# /v1/debug/propose, `raftcast-bench cluster`).
#
#   scripts/bench-ingest.sh [--quick]        # --quick: 10-minute MP3 and 2-minute MP4
#
# Release build. Media are generated once into /tmp/raftcast-bench-media (scripts/make-media.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
MP3_SECONDS=3600; MP4_SECONDS=600
[[ $QUICK -eq 1 ]] && { MP3_SECONDS=600; MP4_SECONDS=120; }

source scripts/lib/bench-common.sh
bench_binaries raftcast raftcast-bench
RAFTCAST="$BIN/raftcast"
BENCH="$BIN/raftcast-bench"

MEDIA=/tmp/raftcast-bench-media
mkdir -p "$MEDIA"
MP3="$MEDIA/long-$MP3_SECONDS.mp3"
MP4="$MEDIA/long-$MP4_SECONDS.mp4"
[[ -s $MP3 ]] || { echo "== making $MP3"; scripts/make-media.sh long-mp3 "$MP3_SECONDS" "$MP3"; }
[[ -s $MP4 ]] || { echo "== making $MP4 (720p; takes a few minutes)"; scripts/make-media.sh long-mp4 "$MP4_SECONDS" "$MP4"; }

bench_workdir ingest
bench_ports 30000 20
bench_cluster_yaml bench-ingest 3
for i in 1 2 3; do
  "$RAFTCAST" node --config "$WORK/cluster.yaml" --id "n$i" --log-level warning --enable-debug-propose >>"$WORK/n$i.log" 2>&1 &
  PIDS+=($!)
done
ENDPOINTS="127.0.0.1:$((BASE + 11)),127.0.0.1:$((BASE + 12)),127.0.0.1:$((BASE + 13))"
"$BENCH" commit-wait --endpoints "$ENDPOINTS" --secret-file "$WORK/cluster.secret" --timeout-ms 20000 >/dev/null

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
reference=$("$BENCH" cluster --target raftcast --endpoints "$ENDPOINTS" --secret-file "$WORK/cluster.secret" \
  --value-size 1048576 --concurrency 1 --count 64)
REF_MBS=$(field mb_per_s "$reference")

echo
echo "| file | size MiB | media s | fragments | wall s | media-s per s | MiB/s | replication MiB/s (1 MiB entries, same run) | ratio |"
echo "|---|---|---|---|---|---|---|---|---|"
for file in "$MP3" "$MP4"; do
  size=$(stat -c %s "$file")
  media_seconds=$("$RAFTCAST" probe "$file" --json | sed -n 's/^  "duration_seconds" : \([0-9.]*\).*/\1/p' | head -1)
  start=$(date +%s.%N)
  out=$("$RAFTCAST" ingest "$file" --config "$WORK/cluster.yaml" --fast 2>"$WORK/ingest.err") || {
    echo "error: ingest of $file failed: $(tail -3 "$WORK/ingest.err")" >&2; exit 1; }
  end=$(date +%s.%N)
  fragments=$(grep -o '[0-9]* fragments' <<<"$out$(cat "$WORK/ingest.err")" | tail -1 | awk '{print $1}')
  awk -v f="$(basename "$file")" -v size="$size" -v ms="$media_seconds" -v n="${fragments:-?}" -v s="$start" -v e="$end" \
      -v ref="$REF_MBS" 'BEGIN {
    wall = e - s; mbs = size / 1048576 / wall;
    printf "| %s | %.1f | %.0f | %s | %.2f | %.0f | %.1f | %.1f | %.2f× |\n", f, size / 1048576, ms, n, wall, ms / wall, mbs, ref, mbs / ref
  }'
done
