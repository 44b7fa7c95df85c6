#!/usr/bin/env bash
# Profiles a 3-node release cluster under the cluster benchmark's load: `perf record -g` on every node
# while `raftcast-bench cluster` commits VALUE_SIZE × CONC (default 256 KiB × 8, PROFILE_MIB MiB, default 384),
# then self time per symbol and node (scripts/lib/perf_symbols.py), the CPU time the nodes used, and the load's
# MB/s line. Callers of a symbol: scripts/lib/perf_callers.py (the command is printed at the end).
#
#   scripts/profile-cluster.sh [OUT_DIR]     # BIN_DIR=<folder> skips the build; VALUE_SIZE, CONC, PROFILE_MIB
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/raftcast-profile}
mkdir -p "$OUT"
source scripts/lib/bench-common.sh
bench_binaries raftcast raftcast-bench
bench_workdir profile
bench_ports 24000 20
bench_cluster_yaml profile 3
SIZE=${VALUE_SIZE:-262144} CONC=${CONC:-8} MIB=${PROFILE_MIB:-384}
ENDPOINTS="127.0.0.1:$((BASE + 11)),127.0.0.1:$((BASE + 12)),127.0.0.1:$((BASE + 13))"
declare -A NODE_PID
for n in n1 n2 n3; do
  "$BIN/raftcast" node --config "$WORK/cluster.yaml" --id "$n" --log-level warning --snapshot-keep 64 --enable-debug-propose \
    >>"$WORK/$n.log" 2>&1 &
  NODE_PID[$n]=$!
  PIDS+=($!)
done
"$BIN/raftcast-bench" commit-wait --endpoints "$ENDPOINTS" --secret-file "$WORK/cluster.secret" --timeout-ms 20000 >/dev/null
leader=$("$BIN/raftcast" status --config "$WORK/cluster.yaml" --json --timeout-ms 500 |
  sed -n 's/.*"leader" : "\(n[0-9]\)".*/\1/p' | sort | uniq -c | sort -rn | awk 'NR == 1 { print $2 }')
# warm-up (connections, allocator), then the profiled run
"$BIN/raftcast-bench" cluster --target raftcast --endpoints "$ENDPOINTS" --secret-file "$WORK/cluster.secret" \
  --value-size "$SIZE" --concurrency "$CONC" --count 64 >/dev/null
pids=$(IFS=,; echo "${NODE_PID[*]}")
perf record -F 999 -g -p "$pids" -o "$OUT/perf.data" 2>"$OUT/perf-record.log" &
PERF=$!
sleep 0.5
"$BIN/raftcast-bench" cluster --target raftcast --endpoints "$ENDPOINTS" --secret-file "$WORK/cluster.secret" \
  --value-size "$SIZE" --concurrency "$CONC" --count $((MIB * 1048576 / SIZE)) | tee "$OUT/load.txt"
kill -INT "$PERF"; wait "$PERF" || true
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); leader $leader (pid ${NODE_PID[$leader]})" | tee -a "$OUT/load.txt"
# perf cannot name raftcast's own functions (the release binary exports no symbols): scripts/lib/perf_symbols.py
# maps the addresses through `nm` (DELTA: .text's address minus its file offset).
DELTA=$(readelf -SW "$BIN/raftcast" | python3 -c '
import re, sys
for line in sys.stdin:
    m = re.search(r"\s\.text\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)", line)
    if m: print("%x" % (int(m.group(1), 16) - int(m.group(2), 16)))')
labels=()
for n in n1 n2 n3; do role=follower; [[ $n == "$leader" ]] && role=leader; labels+=("${NODE_PID[$n]}=$n-$role"); done
perf script -i "$OUT/perf.data" --show-mmap-events -F pid,ip,sym,dso 2>/dev/null >"$OUT/callchains.txt"
perf script -i "$OUT/perf.data" --show-mmap-events -G -F pid,ip,sym,dso 2>/dev/null |
  python3 scripts/lib/perf_symbols.py "$BIN/raftcast" "$DELTA" "${labels[@]}" | tee "$OUT/symbols.txt"
echo "cpu-clock samples at 999 Hz: $(grep -cE '^ *[0-9]+ *$' "$OUT/callchains.txt") (CPU ms of the three nodes for ${MIB} MiB)"
echo "callers: python3 scripts/lib/perf_callers.py $BIN/raftcast $DELTA 'PATTERN' PID < $OUT/callchains.txt"
