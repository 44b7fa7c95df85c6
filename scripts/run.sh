#!/usr/bin/env bash
# The project's run command on a fresh Debian machine: installs what is needed,
# builds raftcast in release mode, then runs the main job on built-in defaults.
#
# Today's main job: probe a sample from media/ (streams and fragment plan) and
# play it through its fragments. On a machine with no sound card the audio is
# written to a WAV file instead, and the player says where.
#
#   scripts/run.sh [FILE] [--device NAME]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
echo "== building raftcast (release)"
swift build -c release --product raftcast 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' || true
bin=".build/release/raftcast"
[[ -x "$bin" ]] || { echo "error: build failed" >&2; exit 1; }

file="media/sample.mp3"
if [[ $# -gt 0 && "$1" != --* ]]; then file="$1"; shift; fi

echo "== raftcast probe $file"
"$bin" probe "$file"
echo "== raftcast play $file $*"
exec "$bin" play "$file" "$@"
