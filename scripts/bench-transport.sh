#!/usr/bin/env bash
# Transport and Raft message codec figures (release build), beside iperf3 on the same loopback in the
# same run. Prints the figures and the ratio of the transport's bulk throughput to iperf3's.
#   scripts/bench-transport.sh [--bulk-messages N] [--pings N]
# Needs iperf3 (Debian package iperf3).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v iperf3 >/dev/null || { echo "error: iperf3 is not installed (apt-get install iperf3)" >&2; exit 2; }

swift build -c release --static-swift-stdlib --product raftcast-bench 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' || true
bench=.build/release/raftcast-bench

# Reference: iperf3, one TCP stream on loopback for 3 s (server exits after one test).
port=$(( 20000 + RANDOM % 20000 ))
iperf3 -s -1 -B 127.0.0.1 -p "$port" >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  iperf3 -c 127.0.0.1 -p "$port" -t 3 -J > /tmp/raftcast-iperf3.json 2>/dev/null && break
  sleep 0.1
done
iperf_mibs=$(python3 -c 'import json,sys; d=json.load(open("/tmp/raftcast-iperf3.json")); print("%.0f" % (d["end"]["sum_received"]["bits_per_second"]/8/1048576))')
echo "iperf3 loopback, 1 TCP stream: ${iperf_mibs} MiB/s"

out=$("$bench" transport "$@")
echo "$out"
ours=$(sed -nE 's/^transport bulk: .* = ([0-9]+) MiB\/s$/\1/p' <<<"$out")
python3 -c "print('ratio transport bulk / iperf3: %.2f' % ($ours / $iperf_mibs))"
