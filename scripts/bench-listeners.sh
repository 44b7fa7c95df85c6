#!/usr/bin/env bash
# Listener benchmark (issue 17): what listeners (Raft learners) cost the voters. 3 voters and 0, 5 or 20
# listeners with no audio device on loopback, release build, real fsync, default timings; per cell a fresh
# cluster, and in it
#   commit   COUNT small proposals (256 B) one after the other through POST /v1/debug/propose at the leader
#            over one keep-alive HTTP/1.1 connection (`raftcast-bench cluster --concurrency 1`): p50 / p99;
#   failover ROUNDS times: SIGKILL the leader → first successful commit (`raftcast-bench commit-wait
#            --kill-pid`, proposing to every voter in turn), restart the killed voter, wait until every node
#            (listeners included) applied the same state.
# Beside the commit figures, the CPU time (user + system, /proc/PID/stat) the commit phase cost per commit:
# the leader's, the two other voters' together, the listeners' together — on one machine the listeners'
# processes compete with the voters for the same cores and the same disk.
# Cells alternate (0 5 20, then 20 5 0, …, PASSES passes) so that a drift of the shared machine's load
# spreads over all of them; each row carries the load average at its start. At the end, per listener count,
# the median over the passes, and the ratio of commit p50 with 20 listeners to 0 (target: < 1.20).
#
#   scripts/bench-listeners.sh [--quick]      PASSES=2 COUNT=1000 ROUNDS=10 (--quick: 1, 300, 3)
#   BIN_DIR=<folder with raftcast and raftcast-bench> skips the build; PERF_DIR=<folder>: `perf record -g`
#   of the leader during each cell's commit phase, one file per cell; PIN=1: the voters and the load
#   generator on CPU 0, the listeners on CPU 1 (`taskset`), so that the listeners' own work does not take
#   the voters' core: an estimate of listeners on machines of their own (the disk is still shared).
#   RAFTCAST_LEARNER_BATCH_BYTES=0 (inherited by the nodes): learners are sent every entry at once, as before
#   their appends were batched per tick (Config.learnerBatchBytes): the "before" of BENCHMARKS.md "Listeners".
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/bench-common.sh
bench_quick_flag "$@"
PASSES=${PASSES:-2} COUNT=${COUNT:-1000} ROUNDS=${ROUNDS:-10}
[[ $QUICK -eq 1 ]] && { PASSES=1 COUNT=300 ROUNDS=3; }
LISTENER_COUNTS=(0 5 20)
VOTERS=3

bench_binaries raftcast raftcast-bench
RAFTCAST="$BIN/raftcast"
BENCH="$BIN/raftcast-bench"
bench_workdir listeners
exec 3>&2  # errors, also from where stderr is silenced
MAX_NODES=$((VOTERS + 20))
BENCH_HTTP_OFFSET=30
BENCH_VOTERS=$VOTERS
bench_ports 20000 $((BENCH_HTTP_OFFSET + MAX_NODES))   # raft BASE+1..23, http BASE+31..53
ENDPOINTS=$(for i in $(seq "$VOTERS"); do printf '127.0.0.1:%d,' $((BASE + BENCH_HTTP_OFFSET + i)); done)
ENDPOINTS=${ENDPOINTS%,}

declare -A NODE_PID
NODES=0
# on_cpu ID: the taskset prefix for node ID (nothing unless PIN=1).
on_cpu() {
  [[ ${PIN:-0} -eq 1 ]] || return 0
  if (( ${1#n} <= VOTERS )); then echo "taskset -c 0"; else echo "taskset -c 1"; fi
}
CLIENT_CPU=(); [[ ${PIN:-0} -eq 1 ]] && CLIENT_CPU=(taskset -c 0)
start_node() {
  $(on_cpu "$1") "$RAFTCAST" node --config "$WORK/cluster.yaml" --id "$1" --log-level warning --enable-debug-propose \
    >>"$WORK/$1.log" 2>&1 &
  NODE_PID[$1]=$!
  PIDS+=($!)
}
stop_cluster() {
  local id
  {  # stderr off for bash's "Killed" notices too
    for id in "${!NODE_PID[@]}"; do kill -9 "${NODE_PID[$id]}" || true; done
    for id in "${!NODE_PID[@]}"; do wait "${NODE_PID[$id]}" || true; done
  } 2>/dev/null
  NODE_PID=()
}
commit_wait() { "${CLIENT_CPU[@]}" "$BENCH" commit-wait --endpoints "$ENDPOINTS" --secret-file "$WORK/cluster.secret" "$@"; }
# Every node answers /v1/cluster with the same applied state (what status --json shows), within 20 s.
wait_same_state() {
  local s deadline=$((SECONDS + 20))
  while (( SECONDS < deadline )); do
    s=$("$RAFTCAST" status --config "$WORK/cluster.yaml" --json --timeout-ms 500 2>/dev/null || true)
    if [[ $(grep -c '"applied_hash"' <<<"$s") -eq $NODES &&
          $(grep -o '"applied_hash" : "[0-9a-f]*"' <<<"$s" | sort -u | wc -l) -eq 1 ]]; then
      return 0
    fi
    sleep 0.1
  done
  echo "error: the $NODES nodes did not reach the same applied state in 20 s (logs in $WORK)" >&3
  exit 1
}
# The voter every voter names as leader (empty while they disagree).
leader_id() {
  local i leaders=""
  for i in $(seq "$VOTERS"); do
    leaders+=$(curl -s -m 1 -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$((BASE + BENCH_HTTP_OFFSET + i))/v1/cluster" |
      sed -n 's/.*"leader" *: *"\(n[0-9]*\)".*/\1/p')$'\n'
  done
  sort <<<"$leaders" | uniq -c | awk -v n="$VOTERS" '$2 != "" && $1 * 2 > n { print $2 }'
}
start_cluster() {
  local i
  rm -rf "$WORK/data" "$WORK"/n*.log
  NODES=$((VOTERS + $1))
  bench_cluster_yaml bench "$NODES"
  TOKEN=$(bench_admin_token)
  for i in $(seq "$NODES"); do start_node "n$i"; done
  commit_wait --timeout-ms 30000 >/dev/null
  wait_same_state
}
stats() {  # VALUES… → "MEDIAN MAX"
  printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END {
    m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.2f %.2f", m, a[NR] }'
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
# cpu_ticks ID…: user + system clock ticks of those nodes' processes so far.
cpu_ticks() {
  local id total=0
  for id in "$@"; do total=$((total + $(awk '{ print $14 + $15 }' "/proc/${NODE_PID[$id]}/stat"))); done
  echo "$total"
}
TICK=$(getconf CLK_TCK)

# cell LISTENERS: one Markdown row; appends "LISTENERS p50 p99 failover-median" to $WORK/cells.txt.
cell() {
  local listeners=$1 load r times=() round leader t failover
  load=$(cut -d' ' -f1 /proc/loadavg)
  start_cluster "$listeners"
  for _ in $(seq 100); do leader=$(leader_id); [[ -n "$leader" ]] && break; sleep 0.1; done
  [[ -n "$leader" ]] || { echo "error: no leader after the start (logs in $WORK)" >&3; exit 1; }
  local others=() followers=() before after cpu=()
  for i in $(seq "$VOTERS"); do [[ n$i != "$leader" ]] && others+=("n$i"); done
  for i in $(seq $((VOTERS + 1)) "$NODES"); do followers+=("n$i"); done
  before=("$(cpu_ticks "$leader")" "$(cpu_ticks "${others[@]}")" "$( ((listeners > 0)) && cpu_ticks "${followers[@]}" || echo 0)")
  local perf=""
  if [[ -n "${PERF_DIR:-}" ]]; then
    perf record -q -F 499 -g -o "$PERF_DIR/leader-$listeners-$(date +%s).data" -p "${NODE_PID[$leader]}" 2>/dev/null &
    perf=$!
  fi
  r=$("${CLIENT_CPU[@]}" "$BENCH" cluster --target raftcast --endpoints "$ENDPOINTS" --secret-file "$WORK/cluster.secret" \
        --value-size 256 --concurrency 1 --count "$COUNT")
  [[ -n "$perf" ]] && { kill -INT "$perf"; wait "$perf" || true; }
  after=("$(cpu_ticks "$leader")" "$(cpu_ticks "${others[@]}")" "$( ((listeners > 0)) && cpu_ticks "${followers[@]}" || echo 0)")
  for i in 0 1 2; do
    cpu+=("$(awk -v a="${before[$i]}" -v b="${after[$i]}" -v t="$TICK" -v n="$COUNT" 'BEGIN { printf "%.2f", (b - a) * 1000 / t / n }')")
  done
  for round in $(seq "$ROUNDS"); do
    leader=""
    for _ in $(seq 100); do leader=$(leader_id); [[ -n "$leader" ]] && break; sleep 0.1; done
    [[ -n "$leader" ]] || { echo "error: no leader before failover round $round (logs in $WORK)" >&3; exit 1; }
    t=$(commit_wait --timeout-ms 10000 --kill-pid "${NODE_PID[$leader]}")
    times+=("$t")
    wait "${NODE_PID[$leader]}" || true
    start_node "$leader"
    wait_same_state
  done 2>/dev/null  # bash's "Killed" notices
  stop_cluster
  read -r failover fmax <<<"$(stats "${times[@]}")"
  echo "$listeners $(field p50_ms "$r") $(field p99_ms "$r") $failover" >>"$WORK/cells.txt"
  echo "    $listeners listeners: $r; failover ms: ${times[*]}" >>"$WORK/raw.txt"
  printf '| %s | %s | %s / %s | %s / %s / %s | %s / %s | %s |\n' "$VOTERS + $listeners" "$(field ok "$r")" \
    "$(field p50_ms "$r")" "$(field p99_ms "$r")" "${cpu[0]}" "${cpu[1]}" "${cpu[2]}" "$failover" "$fmax" "$load"
}

echo
echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources Package.swift || echo '+dirty'), $(date -u +%F), $(nproc) cores, $PASSES passes, $COUNT commits of 256 B and $ROUNDS failovers per cell$([[ ${PIN:-0} -eq 1 ]] && echo ', PIN=1 (voters and client on CPU 0, listeners on CPU 1)')"
echo
echo "| voters + listeners | commits | commit p50 / p99 ms | CPU ms per commit: leader / other voters / listeners | failover median / max ms | load |"
echo "|---|---|---|---|---|---|"
for pass in $(seq "$PASSES"); do
  if (( pass % 2 )); then order=("${LISTENER_COUNTS[@]}"); else order=(20 5 0); fi
  for listeners in "${order[@]}"; do cell "$listeners"; done
done
echo
echo "median over the passes, per listener count:"
for listeners in "${LISTENER_COUNTS[@]}"; do
  p50=$(stats $(awk -v l="$listeners" '$1 == l { print $2 }' "$WORK/cells.txt") | cut -d' ' -f1)
  p99=$(stats $(awk -v l="$listeners" '$1 == l { print $3 }' "$WORK/cells.txt") | cut -d' ' -f1)
  fo=$(stats $(awk -v l="$listeners" '$1 == l { print $4 }' "$WORK/cells.txt") | cut -d' ' -f1)
  printf '  %2d listeners: commit p50 %s ms, p99 %s ms, failover median %s ms\n' "$listeners" "$p50" "$p99" "$fo"
  [[ $listeners -eq 0 ]] && P50_0=$p50
  [[ $listeners -eq 20 ]] && P50_20=$p50
done
awk -v a="$P50_20" -v b="$P50_0" 'BEGIN { r = a / b; printf "commit p50 ratio, 20 listeners / 0: %.2f (target < 1.20: %s)\n", r, (r < 1.20 ? "met" : "missed") }'
echo
echo "raw lines:"
cat "$WORK/raw.txt"
