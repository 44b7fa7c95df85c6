#!/usr/bin/env bash
# Durable log benchmark (release build), beside the raw disk in the same run.
#
#   scripts/bench-storage.sh [DIR]
#
# DIR (default .build/bench-storage) is the folder written to; the log and the
# reference `dd ... oflag=dsync` use it, so both hit the same file system.
# For every (entry size, batch) the raw disk is measured with dd writing the
# same bytes per synced write (bs = entry size x batch), alternating dd and the
# log REPEATS times (the disk of a shared VM is noisy) and comparing medians.
# Environment: MIB (default 256) MiB per run; REPEATS (default 3);
#              SIZES (default "65536 1048576"); BATCHES (default "1 4 16");
#              RECOVERY_MIB (default 1024; 0 skips the recovery measurement).
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-.build/bench-storage}"
mib="${MIB:-256}"
repeats="${REPEATS:-3}"
sizes="${SIZES:-65536 1048576}"
batches="${BATCHES:-1 4 16}"
recovery_mib="${RECOVERY_MIB:-1024}"
mkdir -p "$dir"

swift build -c release --static-swift-stdlib --product raftcast-bench 2>&1 | grep -E "error|Build" | tail -2
bench=.build/release/raftcast-bench
echo "== folder $dir on $(df -hT "$dir" | awk 'NR==2 {print $1, $2}'), $(nproc) cores"
echo "== CPU: $("$bench" storage --dir "$dir" --entry-sizes 4096 --batches 1 --mib-per-run 1 --recovery-mib 0 | grep crc32c)"

# MB/s of dd writing COUNT blocks of BS bytes, each followed by a sync (oflag=dsync).
dd_mbps() {
  local out
  rm -f "$dir/dd.x"
  out=$(dd if=/dev/zero of="$dir/dd.x" bs="$1" count="$2" oflag=dsync 2>&1 | tail -1)
  rm -f "$dir/dd.x"
  # "67108864 bytes (67 MB, 64 MiB) copied, 0.51 s, 130 MB/s" -> bytes / seconds
  awk -v line="$out" 'BEGIN { split(line, a, " "); split(line, b, "copied, "); split(b[2], c, " "); printf "%.1f", a[1] / c[1] / 1e6 }'
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "== synced appends: log vs dd (median of $repeats alternating runs, $mib MiB each)"
printf "%-8s %-5s %-9s %-9s %-6s %-11s %-11s %-12s %-12s\n" entry batch log_MB/s dd_MB/s ratio sync_p50_ms sync_p99_ms batch_p50_ms batch_p99_ms
for size in $sizes; do
  for batch in $batches; do
    bs=$(( size * batch ))
    count=$(( mib * 1048576 / bs ))
    logs="" dds="" last=""
    for _ in $(seq "$repeats"); do
      dds="$dds $(dd_mbps "$bs" "$count")"
      last=$("$bench" storage --dir "$dir" --entry-sizes "$size" --batches "$batch" --mib-per-run "$mib" --recovery-mib 0 | grep '^append: [0-9]')
      logs="$logs $(awk '{print $5}' <<<"$last")"
    done
    log_m=$(echo "$logs" | median)
    dd_m=$(echo "$dds" | median)
    awk -v s="$size" -v b="$batch" -v l="$log_m" -v d="$dd_m" -v line="$last" 'BEGIN {
      split(line, f, " ")
      printf "%-8d %-5d %-9.1f %-9.1f %-6s %-11s %-11s %-12s %-12s\n", s, b, l, d, sprintf("%.0f%%", 100 * l / d), f[6], f[7], f[8], f[9]
    }'
  done
done

if [[ "$recovery_mib" != "0" ]]; then
  echo "== recovery (open = scan + index, payloads not held) of a $recovery_mib MiB log"
  for entry in 1048576 65536 4096; do
    "$bench" storage --dir "$dir" --entry-sizes 1048576 --batches 1 --mib-per-run 1 --recovery-mib "$recovery_mib" \
      --recovery-entry-bytes "$entry" | grep -E '^(recovery|read):'
  done
fi
