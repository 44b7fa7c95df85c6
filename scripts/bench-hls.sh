#!/usr/bin/env bash
# HLS serving benchmark (issue 16): a 3-node release cluster on loopback ingests a ~3 Mbit/s 720p H.264 + AAC
# MP4 paced (real time); then, in one run:
#   1. SECONDS with no player (the baseline: ingest, replication, clock sync),
#   2. SECONDS with PER_NODE players on every node (persistent HTTP/1.1, playlist every target/2, init once,
#      every new segment once): each node's CPU (utime+stime, % of one core) and RSS, bytes, request
#      latencies, errors, and the nodes' raftcast_hls_segment_requests_total / _segments_remuxed_total;
#   3. throughout 1 and 2, commit → listed: from each fragment's first `fragment-committed` event (any node's
#      /v1/events) until each node's playlist lists it (polled every 10 ms on its own connection);
#   4. the peer: the same file cut by `ffmpeg -re -c copy -f hls -hls_segment_type fmp4 -hls_time 2` (a live
#      HLS origin's usual pipeline) into a folder served by nginx (Debian's nginx-light, its default settings:
#      sendfile, keep-alive, access log), 3 × PER_NODE players for SECONDS; nginx's CPU (master + workers).
# The players are scripts/lib/hls-bench.py (Python standard library), which also prints the tables.
#
#   scripts/bench-hls.sh [--seconds N] [--per-node N]     # defaults 30 and 20
#
# Environment: BIN_DIR=<folder with raftcast> skips the build. Needs ffmpeg, python3, openssl; installs
# nginx-light (Debian) when nginx is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SECONDS_PER_WINDOW=30
PER_NODE=20
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) SECONDS_PER_WINDOW=${2:?--seconds needs a number}; shift 2 ;;
    --per-node) PER_NODE=${2:?--per-node needs a number}; shift 2 ;;
    *) echo "usage: $0 [--seconds N] [--per-node N]" >&2; exit 2 ;;
  esac
done
[[ "$SECONDS_PER_WINDOW" =~ ^[1-9][0-9]*$ ]] || { echo "error: --seconds wants a positive whole number, got '$SECONDS_PER_WINDOW'" >&2; exit 2; }
[[ "$PER_NODE" =~ ^[1-9][0-9]*$ ]] || { echo "error: --per-node wants a positive whole number, got '$PER_NODE'" >&2; exit 2; }
for tool in ffmpeg python3 openssl; do
  command -v "$tool" >/dev/null || { echo "error: $tool is needed (see the header of $0)" >&2; exit 2; }
done
if ! command -v nginx >/dev/null; then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nginx-light >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
HLS_BENCH=(python3 "$ROOT/scripts/lib/hls-bench.py")

source scripts/lib/bench-common.sh
bench_binaries raftcast
RAFTCAST="$BIN/raftcast"
bench_workdir hls
bench_ports 22000 25
PEER_PORT=$((BASE + 21))

# The broadcast outlasts the warm-up, both windows and the peer's window (the cluster keeps ingesting then).
mkdir -p "$WORK/media"
MEDIA_SECONDS=$((3 * SECONDS_PER_WINDOW + 40))
echo "making ${MEDIA_SECONDS} s of mp4-3mbit" >&2
scripts/make-media.sh mp4-3mbit "$MEDIA_SECONDS" "$WORK/media/hls.mp4"
BITRATE=$(ffprobe -v error -show_entries format=bit_rate -of default=nw=1:nk=1 "$WORK/media/hls.mp4")

BENCH_CLUSTER_SETTINGS=("media_dir: $WORK/media")
bench_cluster_yaml bench-hls 3
NODES=""
for i in 1 2 3; do
  "$RAFTCAST" node --config "$WORK/cluster.yaml" --id "n$i" --log-level warning >>"$WORK/n$i.log" 2>&1 &
  PIDS+=($!)
  NODES+="${NODES:+,}n$i=$((BASE + 10 + i)):$!"
done

STREAM=00000000b0c5f16e
echo "cluster of 3 nodes up; paced ingest, then ${SECONDS_PER_WINDOW} s without players and ${SECONDS_PER_WINDOW} s with $PER_NODE per node" >&2
"${HLS_BENCH[@]}" cluster --nodes "$NODES" --stream "$STREAM" --media hls.mp4 --token "$(bench_admin_token)" \
  --seconds "$SECONDS_PER_WINDOW" --per-node "$PER_NODE" >"$WORK/cluster.txt" || {
  cat "$WORK/cluster.txt" >&2; echo "error: the cluster run failed (node logs: $WORK/n*.log)" >&2; exit 1; }

# --- the peer: ffmpeg cutting the same file in real time, nginx serving the folder ----------------------
mkdir -p "$WORK/peer/hls"
cat >"$WORK/peer/nginx.conf" <<EOF
worker_processes auto;
pid $WORK/peer/nginx.pid;
error_log $WORK/peer/error.log;
events { worker_connections 768; }
http {
  sendfile on;
  tcp_nopush on;
  types_hash_max_size 2048;
  include /etc/nginx/mime.types;
  types { application/vnd.apple.mpegurl m3u8; video/iso.segment m4s; }
  default_type application/octet-stream;
  access_log $WORK/peer/access.log;
  client_body_temp_path $WORK/peer/tmp;
  proxy_temp_path $WORK/peer/tmp;
  fastcgi_temp_path $WORK/peer/tmp;
  uwsgi_temp_path $WORK/peer/tmp;
  scgi_temp_path $WORK/peer/tmp;
  server {
    listen 127.0.0.1:$PEER_PORT;
    root $WORK/peer/hls;
    location ~ \.m3u8\$ { add_header Cache-Control no-cache; }
  }
}
EOF
mkdir -p "$WORK/peer/tmp"
# Started as root, nginx's workers run as nobody: they need to reach the segments (mktemp made WORK 0700).
chmod 711 "$WORK" "$WORK/peer"
chmod 755 "$WORK/peer/hls"
"$NGINX" -c "$WORK/peer/nginx.conf" -g 'daemon off;' 2>>"$WORK/peer/error.log" &
NGINX_PID=$!
PIDS+=($NGINX_PID)
# SIGTERM lets the master stop its workers (SIGKILL, bench_cleanup's, would leave them running).
stop_nginx() {
  kill -TERM "$NGINX_PID" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
  bench_cleanup
}
trap stop_nginx EXIT
ffmpeg -nostdin -hide_banner -loglevel error -re -i "$WORK/media/hls.mp4" -c copy -f hls -hls_segment_type fmp4 \
  -hls_time 2 -hls_list_size 0 -hls_flags independent_segments "$WORK/peer/hls/index.m3u8" 2>"$WORK/peer/ffmpeg.log" &
PIDS+=($!)
for _ in $(seq 150); do
  [[ -f $WORK/peer/hls/index.m3u8 && $(grep -c '\.m4s$' "$WORK/peer/hls/index.m3u8") -ge 3 ]] && break
  sleep 0.2
done
[[ $(grep -c '\.m4s$' "$WORK/peer/hls/index.m3u8" 2>/dev/null || echo 0) -ge 3 ]] || {
  echo "error: ffmpeg did not write 3 segments within 30 s ($WORK/peer/ffmpeg.log)" >&2; exit 1; }
NGINX_PIDS=$NGINX_PID
for child in $(cat "/proc/$NGINX_PID/task/$NGINX_PID/children" 2>/dev/null); do NGINX_PIDS+=",$child"; done
"${HLS_BENCH[@]}" peer --url "http://127.0.0.1:$PEER_PORT/index.m3u8" --pids "$NGINX_PIDS" \
  --seconds "$SECONDS_PER_WINDOW" --players $((3 * PER_NODE)) >"$WORK/peer.txt" || {
  cat "$WORK/peer.txt" >&2; echo "error: the peer run failed" >&2; exit 1; }

commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z $(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null) ]] || commit="$commit + local changes"
echo
echo "HLS serving: $PER_NODE players per node, ${SECONDS_PER_WINDOW} s per window (commit $commit, $(nproc) cores, source $((BITRATE / 1000)) kbit/s, nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///'))"
echo
"${HLS_BENCH[@]}" summary "$WORK/cluster.txt" "$WORK/peer.txt"
if [[ -n ${KEEP_OUTPUT:-} ]]; then cp "$WORK/cluster.txt" "$WORK/peer.txt" "$KEEP_OUTPUT"/; fi
