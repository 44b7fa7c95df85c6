#!/usr/bin/env bash
# The project's run command on a fresh Debian machine: installs what is needed, builds raftcast in release
# mode, then runs the main job on built-in defaults: the kill-a-node failover demo.
#
# `raftcast demo` starts 3 nodes as separate processes on loopback, ingests media/sample.mp3 as a paced
# (live) broadcast, shows a live view, SIGKILLs the leader a third of the way in, and ends with a verdict:
# time to a new leader, the gap each surviving node heard at the takeover, fragments played per node and
# the inter-node skew. Each node's audio is written to a WAV file (ALSA's file plugin) for listening.
#
#   scripts/run.sh [demo options]        e.g. --nodes 5, --media FILE, --kill-after 6, --audio default
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh --build
echo "== building raftcast (release)"
swift build -c release --static-swift-stdlib --product raftcast 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' || true
bin=".build/release/raftcast"
[[ -x "$bin" ]] || { echo "error: build failed" >&2; exit 1; }

echo "== raftcast demo $*"
exec "$bin" demo "$@"
