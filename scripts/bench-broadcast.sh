#!/usr/bin/env bash
# Broadcast benchmark (issue 7), release build, nodes on loopback:
#   1. failover: ROUNDS runs of `raftcast demo` (3 nodes, a paced broadcast, the leader SIGKILLed mid-way);
#      from each verdict: time to a new leader, audible gap per surviving node, inter-node skew p50/p99/max,
#      and how many survivors played bit-exact (no single frame inserted or dropped for drift).
#   2. cost of playing: 3 nodes, two playing a paced 192 kbps MP3 through ALSA's file plugin into /dev/null and
#      one without audio; the two playing nodes start first, so the leader (which also cuts and replicates)
#      is one of them; CPU (% of one core) and peak RSS per node over the middle of the broadcast, beside
#      `ffmpeg -re` decoding the same file to /dev/null in the same run (the reference).
#
#   scripts/bench-broadcast.sh [--quick]      # --quick: 3 failover rounds, a 30 s broadcast
set -euo pipefail
cd "$(dirname "$0")/.."
QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
ROUNDS=10; SECONDS_PLAYED=60
[[ $QUICK -eq 1 ]] && { ROUNDS=3; SECONDS_PLAYED=30; }

source scripts/lib/bench-common.sh
bench_binaries raftcast
RAFTCAST="$BIN/raftcast"
bench_workdir broadcast

MP3="$WORK/broadcast-192k.mp3"
ffmpeg -nostdin -v error -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=$SECONDS_PLAYED" \
  -f lavfi -i "anoisesrc=color=pink:amplitude=0.05:seed=7:sample_rate=44100:duration=$SECONDS_PLAYED" \
  -filter_complex "[0][1]amix=inputs=2:normalize=0,aformat=channel_layouts=stereo" -c:a libmp3lame -b:a 192k "$MP3"

# --- 1. failover -------------------------------------------------------------------------------------
echo "== failover: $ROUNDS rounds of raftcast demo (3 nodes, ${SECONDS_PLAYED} s paced broadcast, leader killed a third in)"
: >"$WORK/verdicts.txt"
for round in $(seq "$ROUNDS"); do
  status=0
  "$RAFTCAST" demo --nodes 3 --media "$MP3" --kill-after $((SECONDS_PLAYED / 3)) >"$WORK/demo-$round.txt" 2>&1 || status=$?
  sed -n '/^verdict:/,$p' "$WORK/demo-$round.txt" | sed "s/^/$round /" >>"$WORK/verdicts.txt"
  echo "round $round: $(grep '^verdict:' "$WORK/demo-$round.txt") (exit $status)"
done
echo
echo "| rounds | passed | time to new leader ms (median / max) | gap at takeover ms (max over survivors) | largest gap ms | skew p50 / p99 / max ms (worst round) | bit-exact survivors |"
echo "|---|---|---|---|---|---|---|"
awk -v rounds="$ROUNDS" '
  / verdict: PASS/ { passed++ }
  / fragments, / { survivors++ }
  /bit-exact \(no drift correction\)/ { exact++ }
  /gap at the takeover/ { for (i = 1; i <= NF; i++) if ($i == "ms,") { g = $(i - 1); if (g > gap) gap = g; break } }
  /largest gap/ { for (i = 1; i <= NF; i++) if ($i == "gap" && $(i + 1) != "at") { l = $(i + 1); if (l > largest) largest = l } }
  / skew / { for (i = 1; i <= NF; i++) { if ($i == "p50") a = $(i + 1); if ($i == "p99") b = $(i + 1); if ($i == "max") c = $(i + 1) }
             if (c > smax) { smax = c; s50 = a; s99 = b } }
  END { printf "| %d | %d | %s | %.2f | %.2f | %s / %s / %s | %d of %d |\n", rounds, passed, leader, gap, largest, s50, s99, smax, exact, survivors }
' leader="$(sed -n 's/.*new leader *\([0-9]*\) ms.*/\1/p' "$WORK/verdicts.txt" | sort -n |
            awk '{ v[NR] = $1 } END { if (NR) printf "%s / %s", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[NR] }')" \
  "$WORK/verdicts.txt"

# --- 2. cost of playing ------------------------------------------------------------------------------
echo
echo "== cost of playing a ${SECONDS_PLAYED}-second 192 kbps MP3"
bench_ports 40000 20
bench_cluster_yaml bench-broadcast 3 "file:FILE=/dev/null,FORMAT=raw" "file:FILE=/dev/null,FORMAT=raw" none
declare -A NODE_PID
start_node() {
  "$RAFTCAST" node --config "$WORK/cluster.yaml" --id "$1" --log-level warning >>"$WORK/$1.log" 2>&1 &
  NODE_PID[$1]=$!
  PIDS+=($!)
}
# n1 and n2 (the playing nodes) are a majority: one of them leads before n3 starts.
http_of() { echo "$((BASE + 10 + ${1#n}))"; }
role_of() { curl -s --max-time 1 "http://127.0.0.1:$(http_of "$1")/v1/cluster" | sed -n 's/.*"role" *: *"\([a-z-]*\)".*/\1/p'; }
start_node n1
start_node n2
for _ in $(seq 100); do
  [[ "$(role_of n1)" == leader || "$(role_of n2)" == leader ]] && break
  sleep 0.1
done
start_node n3
"$RAFTCAST" ingest "$MP3" --config "$WORK/cluster.yaml" >"$WORK/ingest.log" 2>&1 &
PIDS+=($!)
TICK=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
sleep 5   # the stream starts 1.5 s after the ingest begins; measure well inside it
declare -A START
for n in n1 n2 n3; do START[$n]=$(cpu_ticks "${NODE_PID[$n]}"); done
window=$((SECONDS_PLAYED - 15))
t0=$(date +%s.%N)
sleep "$window"
t1=$(date +%s.%N)
echo "| node | role | audio | CPU % of a core | peak RSS MiB | RSS now: shared-library pages / private anonymous MiB |"
echo "|---|---|---|---|---|---|"
for n in n1 n2 n3; do
  pid=${NODE_PID[$n]}
  used=$(( $(cpu_ticks "$pid") - START[$n] ))
  hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
  file_kb=$(awk '/^Rss:/ { rss = $2 } /^Anonymous:/ { anon = $2 } END { print rss - anon }' "/proc/$pid/smaps_rollup")
  anon_kb=$(awk '/^Anonymous:/ { print $2 }' "/proc/$pid/smaps_rollup")
  audio=$([[ $n == n3 ]] && echo none || echo "file plugin")
  role=$(role_of "$n"); [[ $role == leader ]] && role="leader (also ingesting)"
  awk -v n="$n" -v r="${role:-?}" -v a="$audio" -v u="$used" -v hz="$TICK" -v t0="$t0" -v t1="$t1" -v kb="$hwm" -v f="$file_kb" -v an="$anon_kb" \
    'BEGIN { printf "| %s | %s | %s | %.2f | %.1f | %.1f / %.1f |\n", n, r, a, 100 * u / hz / (t1 - t0), kb / 1024, f / 1024, an / 1024 }'
done
/usr/bin/time -f "%U %S %e %M" -o "$WORK/ffmpeg.time" \
  ffmpeg -nostdin -v error -re -i "$MP3" -f s16le -ar 48000 -ac 2 -y /dev/null
read -r user sys wall kb <"$WORK/ffmpeg.time"
awk -v u="$user" -v s="$sys" -v w="$wall" -v kb="$kb" \
  'BEGIN { printf "| ffmpeg -re (reference) | – | decode to /dev/null | %.2f | %.1f | – |\n", 100 * (u + s) / w, kb / 1024 }'
