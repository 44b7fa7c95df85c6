#!/usr/bin/env bash
# Cluster benchmark: a 3-node raftcast cluster and a 3-member etcd cluster, side by side, on loopback with
# real fsync, committing values of 64 KiB, 256 KiB and 1 MiB at concurrency 1 and 8 (MB/s, p50/p99 commit
# latency, ratios), then failover: SIGKILL the raftcast leader 10 times and time the next commit.
#
#   scripts/bench-cluster.sh [--quick]
#
# Installs etcd-server and etcd-client (Debian) when missing. Release build. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1

if ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends etcd-server etcd-client >/dev/null
fi

# BIN_DIR=<folder with raftcast and raftcast-bench> skips the build (e.g. to try the script on debug builds).
source scripts/lib/bench-common.sh
bench_binaries raftcast raftcast-bench
RAFTCAST="$BIN/raftcast"
BENCH="$BIN/raftcast-bench"
bench_workdir cluster
bench_ports 20000 40
RAFT=($((BASE + 1)) $((BASE + 2)) $((BASE + 3)))
HTTP=($((BASE + 11)) $((BASE + 12)) $((BASE + 13)))
ECLIENT=($((BASE + 21)) $((BASE + 22)) $((BASE + 23)))
EPEER=($((BASE + 31)) $((BASE + 32)) $((BASE + 33)))

# --- raftcast cluster -------------------------------------------------------------------------------
bench_cluster_yaml bench 3   # raft BASE+1..3, http BASE+11..13 (RAFT, HTTP above)
declare -A NODE_PID
start_node() {
  "$RAFTCAST" node --config "$WORK/cluster.yaml" --id "$1" --log-level warning --snapshot-keep 64 --enable-debug-propose \
    >>"$WORK/$1.log" 2>&1 &
  NODE_PID[$1]=$!
  PIDS+=($!)
}
for n in n1 n2 n3; do start_node "$n"; done
RC_ENDPOINTS="127.0.0.1:${HTTP[0]},127.0.0.1:${HTTP[1]},127.0.0.1:${HTTP[2]}"
wait_commit() { "$BENCH" commit-wait --endpoints "$RC_ENDPOINTS" --secret-file "$WORK/cluster.secret" --timeout-ms "${1:-15000}"; }
wait_commit 20000 >/dev/null

# --- etcd cluster -----------------------------------------------------------------------------------
INITIAL="e1=http://127.0.0.1:${EPEER[0]},e2=http://127.0.0.1:${EPEER[1]},e3=http://127.0.0.1:${EPEER[2]}"
for i in 0 1 2; do
  etcd --name "e$((i + 1))" --data-dir "$WORK/etcd$((i + 1))" \
    --listen-client-urls "http://127.0.0.1:${ECLIENT[$i]}" --advertise-client-urls "http://127.0.0.1:${ECLIENT[$i]}" \
    --listen-peer-urls "http://127.0.0.1:${EPEER[$i]}" --initial-advertise-peer-urls "http://127.0.0.1:${EPEER[$i]}" \
    --initial-cluster "$INITIAL" --initial-cluster-state new --initial-cluster-token bench \
    --heartbeat-interval 50 --election-timeout 300 \
    --max-request-bytes 16777216 --quota-backend-bytes 8589934592 \
    --log-level error >"$WORK/etcd$((i + 1)).log" 2>&1 &
  PIDS+=($!)
done
ET_ENDPOINTS="127.0.0.1:${ECLIENT[0]},127.0.0.1:${ECLIENT[1]},127.0.0.1:${ECLIENT[2]}"
for _ in $(seq 200); do
  ETCDCTL_API=3 etcdctl --endpoints "$ET_ENDPOINTS" endpoint health >/dev/null 2>&1 && break
  sleep 0.1
done

# --- throughput and latency -------------------------------------------------------------------------
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
TOTAL_MB=96; [[ $QUICK -eq 1 ]] && TOTAL_MB=16
echo
echo "| value | conc | raftcast MB/s | etcd MB/s | ratio | raftcast p50/p99 ms | etcd p50/p99 ms |"
echo "|---|---|---|---|---|---|---|"
for size in 65536 262144 1048576; do
  for conc in 1 8; do
    count=$(( TOTAL_MB * 1048576 / size )); [[ $count -lt 64 ]] && count=64
    r=$("$BENCH" cluster --target raftcast --endpoints "$RC_ENDPOINTS" --secret-file "$WORK/cluster.secret" \
        --value-size "$size" --concurrency "$conc" --count "$count")
    e=$("$BENCH" cluster --target etcd --endpoints "$ET_ENDPOINTS" \
        --value-size "$size" --concurrency "$conc" --count "$count")
    rm=$(field mb_per_s "$r"); em=$(field mb_per_s "$e")
    ratio=$(awk -v a="$rm" -v b="$em" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
    echo "| $((size / 1024)) KiB | $conc | $rm | $em | ${ratio}× | $(field p50_ms "$r") / $(field p99_ms "$r") | $(field p50_ms "$e") / $(field p99_ms "$e") |"
  done
done

# --- failover ---------------------------------------------------------------------------------------
leader_id() {
  "$RAFTCAST" status --config "$WORK/cluster.yaml" --json --timeout-ms 300 2>/dev/null |
    sed -n 's/.*"leader" : "\(n[0-9]\)".*/\1/p' | sort | uniq -c | sort -rn | awk 'NR == 1 { print $2 }'
}
ROUNDS=10; [[ $QUICK -eq 1 ]] && ROUNDS=3
TIMES=()
for round in $(seq "$ROUNDS"); do
  wait_commit >/dev/null
  leader=$(leader_id)
  [[ -n "$leader" ]] || { echo "error: no leader before round $round" >&2; exit 1; }
  t=$("$BENCH" commit-wait --endpoints "$RC_ENDPOINTS" --secret-file "$WORK/cluster.secret" --timeout-ms 10000 \
      --kill-pid "${NODE_PID[$leader]}")
  TIMES+=("$t")
  wait "${NODE_PID[$leader]}" 2>/dev/null || true
  start_node "$leader"
  # let the restarted node catch up before the next round
  for _ in $(seq 100); do
    s=$("$RAFTCAST" status --config "$WORK/cluster.yaml" --json --timeout-ms 300 2>/dev/null || true)
    [[ $(grep -c '"applied_hash"' <<<"$s") -eq 3 && $(grep -o '"applied_hash" : "[0-9a-f]*"' <<<"$s" | sort -u | wc -l) -eq 1 ]] && break
    sleep 0.1
  done
done
sorted=$(printf '%s\n' "${TIMES[@]}" | sort -n)
median=$(awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.1f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }' <<<"$sorted")
max=$(tail -1 <<<"$sorted")
echo
echo "failover (SIGKILL leader → next commit, ms): ${TIMES[*]}"
echo "failover median ${median} ms, max ${max} ms (target: median ≤ 400, max ≤ 1000)"
