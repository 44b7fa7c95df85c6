#!/usr/bin/env bash
# Broadcast benchmark (issue 7), release build, nodes on loopback:
#   1. failover: ROUNDS runs of `raftcast demo` (3 nodes, a paced broadcast, the leader SIGKILLed mid-way);
#      from each verdict: time to a new leader, audible gap per surviving node, inter-node skew p50/p99/max,
#      and how many survivors played bit-exact (no single frame inserted or dropped for drift).
#   2. cost of playing: 3 nodes, two playing a paced 192 kbps MP3 through ALSA's file plugin into /dev/null and
#      one without audio; the two playing nodes start first, so the leader (which also cuts and replicates)
#      is one of them; CPU (% of one core) and peak RSS per node over the second half of a PLAY_SECONDS-long
#      broadcast (steady state), MEMORY_ROUNDS times from a cold page cache, RSS every 15 s, beside
#      `ffmpeg -re` decoding the same file to /dev/null in the same run (the reference); with each node's
#      wake-ups per second over the same half (voluntary context switches of all its threads) and the load
#      average at the end of each round.
#
#   scripts/bench-broadcast.sh [--quick]      # --quick: 3 failover rounds of a 30 s broadcast, 1 memory round of 60 s
#   FAILOVER_ROUNDS=0 PLAY_SECONDS=600 MEMORY_ROUNDS=1 scripts/bench-broadcast.sh   # memory over 10 minutes
set -euo pipefail
cd "$(dirname "$0")/.."
QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
ROUNDS=${FAILOVER_ROUNDS:-10}; SECONDS_PLAYED=60
[[ $QUICK -eq 1 ]] && { ROUNDS=3; SECONDS_PLAYED=30; }

source scripts/lib/bench-common.sh
bench_binaries raftcast
RAFTCAST="$BIN/raftcast"
bench_workdir broadcast

# make_mp3 SECONDS OUT: a 192 kbps stereo MP3 of a tone plus pink noise.
make_mp3() {
  ffmpeg -nostdin -v error -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=$1" \
    -f lavfi -i "anoisesrc=color=pink:amplitude=0.05:seed=7:sample_rate=44100:duration=$1" \
    -filter_complex "[0][1]amix=inputs=2:normalize=0,aformat=channel_layouts=stereo" -c:a libmp3lame -b:a 192k "$2"
}
MP3="$WORK/broadcast-192k.mp3"
make_mp3 "$SECONDS_PLAYED" "$MP3"

# --- 1. failover -------------------------------------------------------------------------------------
if [[ $ROUNDS -gt 0 ]]; then
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
fi

# --- 2. cost of playing ------------------------------------------------------------------------------
# Memory is read once the node is in its steady state: the log's entry cache (1 MiB, 43 s of this stream)
# is full after the first minute, so the broadcast lasts PLAY_SECONDS (default 120) and CPU and peak RSS
# are taken over its second half. Every round starts on a cold page cache for the binary and its shared
# libraries (as after a reboot): how much of a mapped file the kernel maps per fault depends on how its
# pages came into the cache, which otherwise moves RSS by ±2 MiB from run to run.
PLAY_SECONDS=${PLAY_SECONDS:-120}
MEMORY_ROUNDS=${MEMORY_ROUNDS:-3}
[[ $QUICK -eq 1 ]] && { PLAY_SECONDS=60; MEMORY_ROUNDS=1; }
PLAY_MP3="$WORK/playing-192k.mp3"
make_mp3 "$PLAY_SECONDS" "$PLAY_MP3"
echo
echo "== cost of playing a ${PLAY_SECONDS}-second 192 kbps MP3, $MEMORY_ROUNDS rounds (cold page cache each)"
bench_ports 40000 20
bench_cluster_yaml bench-broadcast 3 "file:FILE=/dev/null,FORMAT=raw" "file:FILE=/dev/null,FORMAT=raw" none
# The binary and every shared library it loads, dropped from the page cache (GNU dd: nocache, no data).
evict_page_cache() {
  local f
  for f in "$RAFTCAST" $(ldd "$RAFTCAST" | awk '$3 ~ /^\// { print $3 }'); do
    dd if="$f" iflag=nocache count=0 status=none 2>/dev/null || true
  done
}
http_of() { echo "$((BASE + 10 + ${1#n}))"; }
role_of() { curl -s --max-time 1 "http://127.0.0.1:$(http_of "$1")/v1/cluster" | sed -n 's/.*"role" *: *"\([a-z-]*\)".*/\1/p'; }
TICK=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# Voluntary context switches of every thread of a process: each is a sleep, so each ends in a wake-up.
wakeups() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/ { n += $2 } END { print n + 0 }'; }
declare -A START_WAKEUPS
rss_kb() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }
declare -A NODE_PID START
start_node() {
  "$RAFTCAST" node --config "$WORK/cluster.yaml" --id "$1" --log-level warning >>"$WORK/$1.log" 2>&1 &
  NODE_PID[$1]=$!
  PIDS+=($!)
}
: >"$WORK/cost.txt"
for round in $(seq "$MEMORY_ROUNDS"); do
  rm -rf "$WORK/data"
  evict_page_cache
  # n1 and n2 (the playing nodes) are a majority: one of them leads before n3 starts.
  start_node n1
  start_node n2
  for _ in $(seq 100); do
    [[ "$(role_of n1)" == leader || "$(role_of n2)" == leader ]] && break
    sleep 0.1
  done
  start_node n3
  "$RAFTCAST" ingest "$PLAY_MP3" --config "$WORK/cluster.yaml" >"$WORK/ingest.log" 2>&1 &
  INGEST_PID=$!
  PIDS+=($!)
  # RSS every 15 s (the entry cache fills over the first 43 s, then memory is flat), CPU over the second half.
  half=$((PLAY_SECONDS / 2)); samples=""
  for t in $(seq 15 15 $((PLAY_SECONDS - 10))); do
    sleep 15
    [[ $t -eq $((half / 15 * 15)) ]] && {
      for n in n1 n2 n3; do START[$n]=$(cpu_ticks "${NODE_PID[$n]}"); START_WAKEUPS[$n]=$(wakeups "${NODE_PID[$n]}"); done
      t0=$(date +%s.%N)
    }
    samples="$samples $t:$(rss_kb "${NODE_PID[n1]}")/$(rss_kb "${NODE_PID[n2]}")/$(rss_kb "${NODE_PID[n3]}")"
  done
  t1=$(date +%s.%N)
  echo "round $round RSS KiB n1/n2/n3 at second:$samples; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  for n in n1 n2 n3; do
    pid=${NODE_PID[$n]}
    used=$(( $(cpu_ticks "$pid") - START[$n] ))
    woken=$(( $(wakeups "$pid") - START_WAKEUPS[$n] ))
    hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
    file_kb=$(awk '/^Rss:/ { rss = $2 } /^Anonymous:/ { anon = $2 } END { print rss - anon }' "/proc/$pid/smaps_rollup")
    anon_kb=$(awk '/^Anonymous:/ { print $2 }' "/proc/$pid/smaps_rollup")
    audio=$([[ $n == n3 ]] && echo none || echo "file plugin")
    role=$(role_of "$n"); [[ $role == leader ]] && role="leader (also ingesting)"
    awk -v n="$n" -v r="${role:-?}" -v a="$audio" -v u="$used" -v hz="$TICK" -v t0="$t0" -v t1="$t1" -v kb="$hwm" \
      -v f="$file_kb" -v an="$anon_kb" -v round="$round" -v w="$woken" \
      'BEGIN { printf "%s|%s|%s|%s|%.2f|%.1f|%.1f|%.1f|%.0f\n", round, n, r, a, 100 * u / hz / (t1 - t0), kb / 1024, f / 1024, an / 1024, w / (t1 - t0) }' \
      >>"$WORK/cost.txt"
  done
  for n in n1 n2 n3; do kill -9 "${NODE_PID[$n]}" 2>/dev/null || true; done
  kill -9 "$INGEST_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  # Reaped: their ids may be reused by anyone's next process, so the exit trap must not kill them again (a
  # bench started right after this one lost a node to it: PIDs wrap within minutes on a busy machine).
  PIDS=()
done
echo
echo "| round | node | role | audio | CPU % of a core | wake-ups/s | peak RSS MiB | RSS now: shared-library pages / private anonymous MiB |"
echo "|---|---|---|---|---|---|---|---|"
awk -F'|' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s / %s |\n", $1, $2, $3, $4, $5, $9, $6, $7, $8 }' "$WORK/cost.txt"
awk -F'|' '{ role = ($3 ~ /^leader/) ? "leader" : ($4 == "none" ? "follower, no audio" : "playing follower")
             if (!(role in max) || $6 > max[role]) max[role] = $6; sum[role] += $6; cnt[role]++ }
  END { for (r in max) printf "peak RSS, %s: mean %.1f MiB, max %.1f MiB over %d rounds\n", r, sum[r] / cnt[r], max[r], cnt[r] }' \
  "$WORK/cost.txt" | sort
/usr/bin/time -f "%U %S %e %M" -o "$WORK/ffmpeg.time" \
  ffmpeg -nostdin -v error -re -i "$PLAY_MP3" -t 60 -f s16le -ar 48000 -ac 2 -y /dev/null
read -r user sys wall kb <"$WORK/ffmpeg.time"
awk -v u="$user" -v s="$sys" -v w="$wall" -v kb="$kb" \
  'BEGIN { printf "| ffmpeg -re (reference, 60 s) | – | – | decode to /dev/null | %.2f | – | %.1f | – |\n", 100 * (u + s) / w, kb / 1024 }'
