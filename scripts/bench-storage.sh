#!/usr/bin/env bash
# Durable log benchmark (release build), beside the raw disk in the same run.
#
#   scripts/bench-storage.sh [DIR]
#
# DIR (default .build/bench-storage) is the folder written to; the log and the
# reference `dd` runs use it, so both hit the same file system.
# Environment: MIB (default 256) MiB per append run; RECOVERY_MIB (default 1024).
# Prints: raftcast-bench's figures, dd's synced-write bandwidth for the same
# write sizes (64 KiB, 1 MiB, 4 MiB, 16 MiB per synced write), and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-.build/bench-storage}"
mib="${MIB:-256}"
recovery_mib="${RECOVERY_MIB:-1024}"
mkdir -p "$dir"

swift build -c release --product raftcast-bench 2>&1 | grep -E "error|warning: unre|Compiling|Build" | tail -2
bench=.build/release/raftcast-bench

echo "== file system: $(df -hT "$dir" | awk 'NR==2 {print $1, $2, $3}')"

# dd with oflag=dsync: every write(2) of bs bytes is followed by a sync, i.e. the
# raw cost of "write a batch, make it durable".
dd_mbps() { # bs_bytes count
  local out
  rm -f "$dir/dd.x"
  out=$(dd if=/dev/zero of="$dir/dd.x" bs="$1" count="$2" oflag=dsync 2>&1 | tail -1)
  rm -f "$dir/dd.x"
  # "67108864 bytes (67 MB, 64 MiB) copied, 0.51 s, 130 MB/s" -> bytes / seconds
  awk -v line="$out" 'BEGIN { split(line, a, " "); split(line, b, "copied, "); split(b[2], c, " "); printf "%.1f", a[1] / c[1] / 1e6 }'
}

echo "== raw disk (dd oflag=dsync, same folder)"
declare -A raw
for bs in 65536 1048576 4194304 16777216; do
  count=$(( mib * 1048576 / bs ))
  raw[$bs]=$(dd_mbps "$bs" "$count")
  echo "dd: bs $bs count $count: ${raw[$bs]} MB/s"
done

echo "== durable log"
out=$("$bench" storage --dir "$dir" --mib-per-run "$mib" --recovery-mib "$recovery_mib")
echo "$out"

echo "== durable log vs raw disk (same bytes per sync)"
echo "$out" | awk -v r64k="${raw[65536]}" -v r1m="${raw[1048576]}" -v r4m="${raw[4194304]}" -v r16m="${raw[16777216]}" '
  /^append: [0-9]/ {
    size = $2; batch = $3; mbps = $5; per_sync = size * batch
    ref = 0; label = ""
    if (per_sync == 65536) { ref = r64k; label = "64KiB" }
    else if (per_sync == 262144) { ref = ""; label = "" }
    else if (per_sync == 1048576) { ref = r1m; label = "1MiB" }
    else if (per_sync == 4194304) { ref = r4m; label = "4MiB" }
    else if (per_sync == 16777216) { ref = r16m; label = "16MiB" }
    if (ref != "" && ref > 0) printf "entry %7d x %2d: %7.1f MB/s vs dd bs=%s %7.1f MB/s: %5.1f%%\n", size, batch, mbps, label, ref, 100 * mbps / ref
    else printf "entry %7d x %2d: %7.1f MB/s (no dd run with %d bytes per sync)\n", size, batch, mbps, per_sync
  }'
