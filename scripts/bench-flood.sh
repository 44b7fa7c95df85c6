#!/usr/bin/env bash
# Flood benchmark (issue 13, "Connections are bounded"): 3 release-build nodes on loopback, each at
# `ulimit -n 1024`, play a paced broadcast (ALSA's file plugin into /dev/null) while the leader takes
# 5,000 pre-auth connection attempts per second on its raft port and 2,000 slowloris HTTP connections
# (`raftcast-bench flood`, the client of ConnectionFloodTests); meanwhile `GET /v1/cluster` of every node is
# polled ten times a second. Prints the load reached, /v1/cluster latency p50/p99/max per node (beside the
# same polls for 10 s just before the flood, the reference), whether the role, leader and term held, each
# node's playback after the flood and whether every process is still up, as a Markdown table. Exit 1 on any
# failure (the target: every answer within 1 s).
#
#   scripts/bench-flood.sh [--seconds N]      # N seconds of flood, default 30
#
# Environment: BIN_DIR=<folder with raftcast and raftcast-bench> skips the build; RATE (5000), SLOWLORIS
# (2000), HEARTBEAT_MS (100) and ELECTION_MS ("1000, 2000": as on a LAN, and as in ConnectionFloodTests).
# Needs ffmpeg (the broadcast is made by scripts/make-media.sh), curl and openssl.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SECONDS_OF_FLOOD=30
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) SECONDS_OF_FLOOD=${2:?--seconds needs a number}; shift 2 ;;
    *) echo "usage: $0 [--seconds N]" >&2; exit 2 ;;
  esac
done
[[ "$SECONDS_OF_FLOOD" =~ ^[1-9][0-9]*$ ]] || { echo "error: --seconds wants a positive whole number, got '$SECONDS_OF_FLOOD'" >&2; exit 2; }
RATE=${RATE:-5000}
SLOWLORIS=${SLOWLORIS:-2000}
HEARTBEAT_MS=${HEARTBEAT_MS:-100}
ELECTION_MS=${ELECTION_MS:-1000, 2000}
for tool in ffmpeg curl openssl; do
  command -v "$tool" >/dev/null || { echo "error: $tool is needed (see the header of $0)" >&2; exit 2; }
done

# The client holds 1,000 raft sockets and the slowloris connections open: raise this shell's limit (the
# nodes get their own 1024 below).
CLIENT_FILES=$((1000 + SLOWLORIS + 1000))
if [[ $(ulimit -Hn) != unlimited && $(ulimit -Hn) -lt $CLIENT_FILES ]]; then
  echo "error: the flood client needs $CLIENT_FILES open files; the hard limit here is $(ulimit -Hn)" >&2
  exit 1
fi
if [[ $(ulimit -Sn) != unlimited && $(ulimit -Sn) -lt $CLIENT_FILES ]]; then ulimit -Sn "$CLIENT_FILES"; fi

source scripts/lib/bench-common.sh
bench_binaries raftcast raftcast-bench
RAFTCAST="$BIN/raftcast"
BENCH="$BIN/raftcast-bench"
bench_workdir flood
bench_ports 21000 20
IDS=(n1 n2 n3)
raft_of() { echo "$((BASE + ${1#n}))"; }
http_of() { echo "$((BASE + 10 + ${1#n}))"; }
get() { curl -s --max-time 2 "http://127.0.0.1:$(http_of "$1")$2" || true; }
# A top-level JSON field: strings without their quotes, numbers and booleans as they are.
json_field() { sed -n "s/.*\"$1\" *: *\"\{0,1\}\([^\",}]*\)\"\{0,1\}.*/\1/p" <<<"$2" | head -1; }
# Waits up to $1 seconds for the command "${@:2}" to succeed; error $2… otherwise.
wait_for() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$(($(date +%s) + seconds))
  until "$@"; do
    if [[ $(date +%s) -ge $deadline ]]; then echo "error: $what not within $seconds s (logs: $WORK/n*.log)" >&2; exit 1; fi
    sleep 0.2
  done
}

# A broadcast that outlasts the flood: make-media's 128 kbit/s MP3, in the cluster's media library.
mkdir -p "$WORK/media"
MEDIA_SECONDS=$((SECONDS_OF_FLOOD + 45))
scripts/make-media.sh mp3-cbr "$MEDIA_SECONDS" "$WORK/media/flood.mp3"

BENCH_CLUSTER_SETTINGS=("heartbeat_ms: $HEARTBEAT_MS" "election_timeout_ms: [$ELECTION_MS]" "media_dir: $WORK/media")
NULL_AUDIO="file:FILE=/dev/null,FORMAT=raw"
bench_cluster_yaml bench-flood 3 "$NULL_AUDIO" "$NULL_AUDIO" "$NULL_AUDIO"
declare -A NODE_PID
for n in "${IDS[@]}"; do
  # The subshell sets both limits and becomes the node (same process id).
  (ulimit -n 1024 && exec "$RAFTCAST" node --config "$WORK/cluster.yaml" --id "$n") >>"$WORK/$n.log" 2>&1 &
  NODE_PID[$n]=$!
  PIDS+=($!)
done

LEADER=""
one_leader() {
  local n report role leaders=()
  for n in "${IDS[@]}"; do
    report=$(get "$n" /v1/cluster)
    leaders+=("$(json_field leader "$report")")
    role=$(json_field role "$report")
    [[ $role == leader ]] && LEADER=$n
  done
  [[ -n $LEADER && ${leaders[0]} == "$LEADER" && ${leaders[1]} == "$LEADER" && ${leaders[2]} == "$LEADER" ]]
}
wait_for 30 "a leader known to every node" one_leader
synchronized_and_idle() {
  local n playback
  for n in "${IDS[@]}"; do
    playback=$(get "$n" /v1/playback)
    [[ $(json_field clock_synchronized "$playback") == true && $(json_field state "$playback") == idle ]] || return 1
  done
}
wait_for 30 "every node's clock synchronized and its engine idle" synchronized_and_idle
for n in "${IDS[@]}"; do
  limits=$(awk '/^Max open files/ { print $4, $5 }' "/proc/${NODE_PID[$n]}/limits")
  [[ $limits == "1024 1024" ]] || { echo "error: $n runs with open files limits '$limits', not 1024 1024" >&2; exit 1; }
done

# The paced broadcast, started on the leader from its library.
STREAM=00000000f100d000
answer=$(curl -s --max-time 10 -o "$WORK/post.txt" -w '%{http_code}' -X POST \
  -H "Authorization: Bearer $(bench_admin_token)" -H 'Content-Type: application/json' \
  --data "{\"media\": \"flood.mp3\", \"id\": \"$STREAM\", \"name\": \"flooded\", \"fast\": false}" \
  "http://127.0.0.1:$(http_of "$LEADER")/v1/streams" || true)
[[ $answer == 202 ]] || { echo "error: POST /v1/streams answered '$answer': $(head -c 300 "$WORK/post.txt")" >&2; exit 1; }
all_playing() {
  local n
  for n in "${IDS[@]}"; do [[ $(json_field state "$(get "$n" /v1/playback)") == playing ]] || return 1; done
}
wait_for 30 "every node playing the broadcast" all_playing
declare -A BEFORE_UNDERRUNS BEFORE_RESYNCS
for n in "${IDS[@]}"; do
  playback=$(get "$n" /v1/playback)
  BEFORE_UNDERRUNS[$n]=$(json_field underruns "$playback")
  BEFORE_RESYNCS[$n]=$(json_field hard_resyncs "$playback")
done

# The reference: the same polls for 10 s without a flood.
timeout 30 "$BENCH" flood --raft-port "$(raft_of "$LEADER")" --http-port "$(http_of "$LEADER")" \
  --http-ports "$(http_of n1),$(http_of n2),$(http_of n3)" --seconds 10 --rate 0 --slowloris 0 \
  >"$WORK/reference.txt" 2>&1 || { cat "$WORK/reference.txt" >&2; echo "error: the reference polls failed" >&2; exit 1; }

# The flood, bounded in time; the benchmark exits 1 on a failed poll or a load not reached.
echo "flooding $LEADER (leader) for $SECONDS_OF_FLOOD s: $RATE raft attempts/s, $SLOWLORIS slowloris connections" >&2
FLOOD_STATUS=0
timeout $((SECONDS_OF_FLOOD + 60)) "$BENCH" flood --raft-port "$(raft_of "$LEADER")" --http-port "$(http_of "$LEADER")" \
  --http-ports "$(http_of n1),$(http_of n2),$(http_of n3)" --seconds "$SECONDS_OF_FLOOD" --rate "$RATE" \
  --slowloris "$SLOWLORIS" >"$WORK/flood.txt" 2>"$WORK/flood.err" || FLOOD_STATUS=$?
cat "$WORK/flood.txt" "$WORK/flood.err" >&2

FAILED=()
[[ $FLOOD_STATUS -eq 0 ]] || FAILED+=("raftcast-bench flood exited $FLOOD_STATUS: $(sed -n 's/^result: //p' "$WORK/flood.txt")")
value() { sed -n "s/^$1: //p" "$WORK/flood.txt"; }
pair() { sed -n "s/^cluster $1: .* $2=\([^ ]*\).*/\1/p" "$WORK/${3:-flood}.txt"; }
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z $(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null) ]] || commit="$commit + local changes"

echo
echo "Flood of $LEADER for $(value seconds) s (commit $commit, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "| figure | value |"
echo "|---|---|"
echo "| raft-port attempts | $(value raft_attempts) ($(value raft_attempts_per_s)/s of $RATE/s; $(value raft_connect_failures) failed at once) |"
echo "| slowloris connections | $(value slowloris_opened) opened, $(value slowloris_closed_by_server) closed by the node, at most $(value slowloris_most_open) open at once |"
echo "| /v1/cluster polls | $(value cluster_polls) |"
echo
echo "| node | role (term) | polls | p50 ms | p99 ms | max ms | without flood: p50 / p99 / max ms | no answer | not 200 | role/leader/term changed | over 1 s | playback after | underruns (during) | hard resyncs (during) | process |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for n in "${IDS[@]}"; do
  playback=$(get "$n" /v1/playback)
  state=$(json_field state "$playback")
  stream=$(json_field stream "$playback")
  underruns=$(json_field underruns "$playback")
  resyncs=$(json_field hard_resyncs "$playback")
  alive=up
  kill -0 "${NODE_PID[$n]}" 2>/dev/null || { alive=DEAD; FAILED+=("$n is not running"); }
  [[ $state == playing && $stream == "$STREAM" ]] || FAILED+=("$n's playback is '${state:-no answer}' (stream '${stream:-}') after the flood")
  during=$(( ${underruns:-0} - ${BEFORE_UNDERRUNS[$n]:-0} ))
  echo "| $n | $(pair "$n" role) ($(pair "$n" term)) | $(pair "$n" polls) | $(pair "$n" p50_ms) | $(pair "$n" p99_ms) | $(pair "$n" max_ms) | $(pair "$n" p50_ms reference) / $(pair "$n" p99_ms reference) / $(pair "$n" max_ms reference) | $(pair "$n" no_answer) | $(pair "$n" non_200) | $(pair "$n" changed) | $(pair "$n" over_1000ms) | ${state:-no answer} | ${underruns:-?} ($during) | ${resyncs:-?} ($(( ${resyncs:-0} - ${BEFORE_RESYNCS[$n]:-0} ))) | $alive |"
done
# The leader's own account: its caps were reached, and no accept failed for want of descriptors (EMFILE).
log="$WORK/$LEADER.log"
echo
echo "$LEADER's log: open files $(sed -n 's/.*open files limit was \(.*\)/\1/p' "$log" | head -1); raft connections refused on accept: $(grep -c 'refused connection on accept' "$log" || true) lines; HTTP cap lines: $(grep -c '(HTTP connections)' "$log" || true); failed accepts: $(grep -c 'accepting a connection failed' "$log" || true)"
if grep -q 'accepting a connection failed' "$log"; then FAILED+=("$LEADER failed to accept a connection (see $log)"); fi
if [[ ${#FAILED[@]} -gt 0 ]]; then
  printf 'FAIL: %s\n' "${FAILED[@]}"
  exit 1
fi
echo "PASS: every node answered /v1/cluster within 1 s, kept its role, leader and term, and played on"
