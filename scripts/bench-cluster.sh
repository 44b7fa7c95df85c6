#!/usr/bin/env bash
# Cluster benchmark: a 3-node raftcast cluster and a 3-member etcd cluster on loopback with real fsync,
# each driven the way its users drive it, committing values of 64 KiB, 256 KiB and 1 MiB at concurrency
# 1 and 8 (MB/s, p50/p99 commit latency, ratio raftcast/etcd), then failover: SIGKILL the raftcast leader
# and the etcd leader in turn, 10 times each, and time the next successful write.
#
#   scripts/bench-cluster.sh [--quick] [--fresh-only | --long-only | --failover-only] [--no-failover] [--gateway]
#
#   raftcast  POST /v1/debug/propose to the leader (`raftcast-bench cluster`), one keep-alive HTTP/1.1
#             connection per worker kept for the whole cell; release build, nodes with --enable-debug-propose.
#   etcd      KV/Put over gRPC to the leader (scripts/lib/etcd_grpc_bench.py, grpcio in .venv-bench/), one
#             persistent gRPC channel (HTTP/2 connection) per worker; etcd 3.4 (Debian), heartbeat 50 ms,
#             election 300 ms (the issue-18 table's settings; etcd's defaults are 100 / 1000 ms).
#   --gateway also drives etcd through its HTTP/JSON gateway (/v3/kv/put, base64): the old, handicapped way.
#
# Two passes (both by default): "fresh" starts new clusters with empty data dirs for every cell and system,
# one system running at a time; "long-lived" starts both clusters once and runs every cell on them (both
# clusters up, idle one heartbeating). Within each cell the systems alternate which goes first. Each row
# carries the load average at its start: the machine may be shared.
#
# CELL_MIB=N: MiB committed per cell and system (default 96, at least 64 values; --quick: 16).
# ONLY_CELLS="262144x8 1048576x8": only those cells (value size x concurrency).
# Installs etcd-server/etcd-client (Debian) and .venv-bench (grpcio, PyPI) when missing. Prints Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
QUICK=0 FRESH=1 LONG=1 FAILOVER=1 GATEWAY=0
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=1 ;;
    --fresh-only) LONG=0 ;;
    --long-only) FRESH=0 ;;
    --no-failover) FAILOVER=0 ;;
    --failover-only) FRESH=0 LONG=0 ;;
    --gateway) GATEWAY=1 ;;
    *) echo "error: unknown argument '$arg' (see the header of $0)" >&2; exit 2 ;;
  esac
done

if ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends etcd-server etcd-client >/dev/null
fi
GRPCIO=grpcio==1.84.0
if ! .venv-bench/bin/python -c 'import grpc' 2>/dev/null; then
  rm -rf .venv-bench
  /usr/bin/python3 -m venv .venv-bench
  .venv-bench/bin/pip install --quiet --disable-pip-version-check "$GRPCIO"
fi
ETCD_GRPC=(.venv-bench/bin/python scripts/lib/etcd_grpc_bench.py)
"${ETCD_GRPC[@]}" --self-test >/dev/null

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
bench_cluster_yaml bench 3   # raft BASE+1..3, http BASE+11..13 (RAFT, HTTP above), data under $WORK/data
RC_ENDPOINTS="127.0.0.1:${HTTP[0]},127.0.0.1:${HTTP[1]},127.0.0.1:${HTTP[2]}"
ET_ENDPOINTS="127.0.0.1:${ECLIENT[0]},127.0.0.1:${ECLIENT[1]},127.0.0.1:${ECLIENT[2]}"

# --- the clusters -----------------------------------------------------------------------------------
declare -A NODE_PID
RC_PIDS=() ET_PIDS=()
start_node() {
  "$RAFTCAST" node --config "$WORK/cluster.yaml" --id "$1" --log-level warning --snapshot-keep 64 --enable-debug-propose \
    >>"$WORK/$1.log" 2>&1 &
  NODE_PID[$1]=$!
  PIDS+=($!)
  RC_PIDS+=($!)
}
wait_commit() { "$BENCH" commit-wait --endpoints "$RC_ENDPOINTS" --secret-file "$WORK/cluster.secret" --timeout-ms "${1:-15000}"; }
start_raftcast() {
  rm -rf "$WORK/data"
  RC_PIDS=()
  for n in n1 n2 n3; do start_node "$n"; done
  wait_commit 20000 >/dev/null
}
stop_pids() {
  local pid
  {  # stderr off for bash's "Killed" notices too
    for pid in "$@"; do kill -9 "$pid" || true; done
    for pid in "$@"; do wait "$pid" || true; done
  } 2>/dev/null
}
stop_raftcast() { stop_pids "${RC_PIDS[@]}"; RC_PIDS=(); }

start_etcd() {
  local i deadline=$((SECONDS + 30))
  ET_PIDS=()
  ETCD_TOKEN="bench-$RANDOM$RANDOM"
  for i in 0 1 2; do
    rm -rf "$WORK/etcd$((i + 1))"
    start_etcd_member "$i"
  done
  while (( SECONDS < deadline )); do
    ETCDCTL_API=3 etcdctl --endpoints "$ET_ENDPOINTS" --command-timeout=1s endpoint health >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "error: etcd cluster not healthy after 30 s" >&2
  exit 1
}
# start_etcd_member I: member e(I+1) on its data dir (new, or kept after a kill: then it rejoins).
start_etcd_member() {
  local i=$1 initial="e1=http://127.0.0.1:${EPEER[0]},e2=http://127.0.0.1:${EPEER[1]},e3=http://127.0.0.1:${EPEER[2]}"
  etcd --name "e$((i + 1))" --data-dir "$WORK/etcd$((i + 1))" \
    --listen-client-urls "http://127.0.0.1:${ECLIENT[$i]}" --advertise-client-urls "http://127.0.0.1:${ECLIENT[$i]}" \
    --listen-peer-urls "http://127.0.0.1:${EPEER[$i]}" --initial-advertise-peer-urls "http://127.0.0.1:${EPEER[$i]}" \
    --initial-cluster "$initial" --initial-cluster-state new --initial-cluster-token "$ETCD_TOKEN" \
    --heartbeat-interval 50 --election-timeout 300 \
    --max-request-bytes 16777216 --quota-backend-bytes 8589934592 \
    --log-level error >>"$WORK/etcd$((i + 1)).log" 2>&1 &
  PIDS+=($!)
  ET_PIDS[$i]=$!
}
stop_etcd() { stop_pids "${ET_PIDS[@]}"; ET_PIDS=(); }

# --- one cell ---------------------------------------------------------------------------------------
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
TOTAL_MB=${CELL_MIB:-96}; [[ $QUICK -eq 1 ]] && TOTAL_MB=16
CELLS=("65536 1" "65536 8" "262144 1" "262144 8" "1048576 1" "1048576 8")
# ONLY_CELLS="262144x8 1048576x8": just those cells (value size x concurrency), e.g. for a before/after pair.
if [[ -n "${ONLY_CELLS:-}" ]]; then
  CELLS=()
  for c in $ONLY_CELLS; do CELLS+=("${c%x*} ${c#*x}"); done
fi
run_raftcast() {
  "$BENCH" cluster --target raftcast --endpoints "$RC_ENDPOINTS" --secret-file "$WORK/cluster.secret" \
    --value-size "$1" --concurrency "$2" --count "$3"
}
run_etcd() { "${ETCD_GRPC[@]}" --endpoints "$ET_ENDPOINTS" --value-size "$1" --concurrency "$2" --count "$3"; }
run_gateway() {
  "$BENCH" cluster --target etcd-gateway --endpoints "$ET_ENDPOINTS" --value-size "$1" --concurrency "$2" --count "$3"
}
# cell PASS INDEX SIZE CONC: one Markdown row (fresh: each system on its own new cluster).
cell() {
  local pass=$1 index=$2 size=$3 conc=$4 count r e g="" load first
  count=$(( TOTAL_MB * 1048576 / size )); [[ $count -lt 64 ]] && count=64
  load=$(cut -d' ' -f1 /proc/loadavg)
  if (( index % 2 == 0 )); then first=raftcast; else first=etcd; fi
  for system in raftcast etcd; do
    [[ $first == etcd ]] && system=$([[ $system == raftcast ]] && echo etcd || echo raftcast)
    # The other system's writes of the cell before (1-3 GiB across its replicas) are flushed first: their
    # writeback would otherwise run into this system's fsyncs (it cost whichever went second ~30 %).
    sync
    if [[ $system == raftcast ]]; then
      [[ $pass == fresh ]] && start_raftcast
      r=$(run_raftcast "$size" "$conc" "$count")
      [[ $pass == fresh ]] && stop_raftcast
    else
      [[ $pass == fresh ]] && start_etcd
      e=$(run_etcd "$size" "$conc" "$count")
      [[ $GATEWAY -eq 1 ]] && g=$(run_gateway "$size" "$conc" "$count")
      [[ $pass == fresh ]] && stop_etcd
    fi
  done
  echo "$pass $r" >>"$WORK/raw.txt"; echo "$pass $e" >>"$WORK/raw.txt"; [[ -n $g ]] && echo "$pass $g" >>"$WORK/raw.txt"
  local rm em ratio
  rm=$(field mb_per_s "$r"); em=$(field mb_per_s "$e")
  ratio=$(awk -v a="$rm" -v b="$em" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
  printf '| %s | %s | %s | %s | %s | %s× | %s / %s | %s / %s | %s | %s |\n' "$pass" "$([[ $size -ge 1048576 ]] && echo "$((size / 1048576)) MiB" || echo "$((size / 1024)) KiB")" "$conc" \
    "$rm" "$em" "$ratio" "$(field p50_ms "$r")" "$(field p99_ms "$r")" "$(field p50_ms "$e")" "$(field p99_ms "$e")" \
    "$([[ -n $g ]] && field mb_per_s "$g" || echo —)" "$load"
}

echo
echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources Package.swift || echo '+dirty'), $(date -u +%F), $(nproc) cores, $(etcd --version | head -1), ${TOTAL_MB} MiB per cell"
echo
echo "| pass | value | conc | raftcast MB/s | etcd gRPC MB/s | ratio | raftcast p50/p99 ms | etcd p50/p99 ms | etcd gateway MB/s | load |"
echo "|---|---|---|---|---|---|---|---|---|---|"
if [[ $FRESH -eq 1 ]]; then
  i=0
  for c in "${CELLS[@]}"; do cell fresh "$i" $c; i=$((i + 1)); done
fi
if [[ $LONG -eq 1 || $FAILOVER -eq 1 ]]; then
  start_raftcast
fi
if [[ $LONG -eq 1 || $FAILOVER -eq 1 ]]; then
  start_etcd
fi
if [[ $LONG -eq 1 ]]; then
  i=0
  for c in "${CELLS[@]}"; do cell long-lived "$i" $c; i=$((i + 1)); done
fi
echo
echo "raw lines: see below"
sed 's/^/    /' "$WORK/raw.txt" 2>/dev/null || true
[[ $FAILOVER -eq 1 ]] || exit 0

# --- failover ---------------------------------------------------------------------------------------
# Each round kills raftcast's leader, then etcd's (SIGKILL → first successful write, proposed to every
# member: raftcast-bench commit-wait tries them in turn, 300 ms each; etcd_grpc_bench.py --kill-pid sends
# to all every 5 ms, since an etcd follower holds a put forwarded to the dead leader until it times out),
# restarts the killed member and waits until it has caught up.
leader_id() {
  "$RAFTCAST" status --config "$WORK/cluster.yaml" --json --timeout-ms 300 2>/dev/null |
    sed -n 's/.*"leader" : "\(n[0-9]\)".*/\1/p' | sort | uniq -c | sort -rn | awk 'NR == 1 { print $2 }'
}
median_max() {
  local sorted
  sorted=$(printf '%s\n' "$@" | sort -n)
  awk '{ a[NR] = $1 } END { if (NR % 2) m = a[(NR + 1) / 2]; else m = (a[NR / 2] + a[NR / 2 + 1]) / 2
                            printf "median %.1f ms, max %.1f ms", m, a[NR] }' <<<"$sorted"
}
ROUNDS=10; [[ $QUICK -eq 1 ]] && ROUNDS=3
TIMES=() ETIMES=()
for round in $(seq "$ROUNDS"); do
  wait_commit >/dev/null
  leader=$(leader_id)
  [[ -n "$leader" ]] || { echo "error: no raftcast leader before round $round" >&2; exit 1; }
  t=$("$BENCH" commit-wait --endpoints "$RC_ENDPOINTS" --secret-file "$WORK/cluster.secret" --timeout-ms 10000 \
      --kill-pid "${NODE_PID[$leader]}")
  TIMES+=("$t")
  { wait "${NODE_PID[$leader]}"; } 2>/dev/null || true
  start_node "$leader"

  eleader=$("${ETCD_GRPC[@]}" --endpoints "$ET_ENDPOINTS" --leader-index)
  t=$("${ETCD_GRPC[@]}" --endpoints "$ET_ENDPOINTS" --timeout-ms 10000 --kill-pid "${ET_PIDS[$eleader]}")
  ETIMES+=("$t")
  { wait "${ET_PIDS[$eleader]}"; } 2>/dev/null || true
  start_etcd_member "$eleader"

  # let the restarted members catch up before the next round
  for _ in $(seq 100); do
    s=$("$RAFTCAST" status --config "$WORK/cluster.yaml" --json --timeout-ms 300 2>/dev/null || true)
    [[ $(grep -c '"applied_hash"' <<<"$s") -eq 3 && $(grep -o '"applied_hash" : "[0-9a-f]*"' <<<"$s" | sort -u | wc -l) -eq 1 ]] && break
    sleep 0.1
  done
  for _ in $(seq 100); do
    ETCDCTL_API=3 etcdctl --endpoints "$ET_ENDPOINTS" --command-timeout=1s endpoint health >/dev/null 2>&1 && break
    sleep 0.1
  done
done
echo
echo "failover (SIGKILL leader → next successful write, ms), alternating raftcast / etcd each round:"
echo "  raftcast: ${TIMES[*]} — $(median_max "${TIMES[@]}")"
echo "  etcd (heartbeat 50, election 300): ${ETIMES[*]} — $(median_max "${ETIMES[@]}")"
