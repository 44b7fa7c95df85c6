#!/usr/bin/env bash
# Regenerates Sources/raftcast/link-order.txt, the order in which the release link lays out raftcast's
# code (lld --symbol-ordering-file, Package.swift; docs/performance.md "Code layout").
#
# Why: the kernel maps a file's pages into a process 64 KiB at a time around each fault (fault-around),
# so every 64-KiB window of the 26-MB text that holds one function a node runs counts in its RSS. Laid
# out by the linker's default (module by module), the functions a playing node runs touch ~290 of those
# windows: 18 MiB of its ~49 MiB. Put first, together, they fit in a few MiB.
#
# How: the demo (3 nodes, a paced broadcast with a leader kill; the MP3 sample, then the MP4 one) runs
# with scripts/orderfile/function-tracer.c preloaded in every raftcast process: it records each function
# of the executable as it is first called. The file lists, in this order: the functions every node
# process called, those some node processes called (leader-only paths, the takeover), then the rest
# (the demo, ingest, the CLI); within each group by when they were first called. A stale file is
# harmless: lld skips names it no longer finds (--no-warn-symbol-ordering), those functions just go
# back to the default layout; regenerate after large changes.
#
# Usage: scripts/gen-link-order.sh          (release build; ~1 min of demo runs)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/bench-common.sh
bench_binaries raftcast
RAFTCAST="$BIN/raftcast"
bench_workdir link-order
cc -O2 -shared -fPIC -o "$WORK/tracer.so" scripts/orderfile/function-tracer.c
mkdir -p "$WORK/trace"
# Every FUNC symbol of the executable: address (readelf pads to 16 digits, so text order is address order) and name.
readelf -sW "$RAFTCAST" | awk '$4 == "FUNC" && $7 != "UND" && $2 !~ /^0+$/ { print $2, $8 }' | sort >"$WORK/symbols.txt"
cut -d' ' -f1 "$WORK/symbols.txt" | uniq >"$WORK/functions.txt"
trace() {
  RAFTCAST_TRACE_DIR="$WORK/trace" RAFTCAST_TRACE_FUNCTIONS="$WORK/functions.txt" SWIFT_BACKTRACE=enable=no \
    LD_PRELOAD="$WORK/tracer.so" "$RAFTCAST" "$@"
}
echo "== tracing: raftcast demo, MP3 then MP4"
# The verdict does not matter here (exit 1 is a failed verdict), only that the cluster ran.
for media in media/sample.mp3 media/sample.mp4; do
  status=0
  trace demo --nodes 3 --media "$media" --kill-after 4 >"$WORK/demo.txt" 2>&1 || status=$?
  [[ $status -le 1 ]] || { echo "error: the traced demo of $media exited $status:" >&2; tail -20 "$WORK/demo.txt" >&2; exit 1; }
  echo "$media: $(grep '^verdict:' "$WORK/demo.txt")"
done
trace --help >/dev/null
python3 - "$RAFTCAST" "$WORK/trace" "$WORK/symbols.txt" Sources/raftcast/link-order.txt <<'PY'
import collections, os, sys
binary, trace_dir, symbols_path, out_path = sys.argv[1:]
real = os.path.realpath(binary)
names = collections.defaultdict(list)
for line in open(symbols_path).read().splitlines():
    address, name = line.split(' ', 1)
    names[int(address, 16)].append(name)
# Per function: how many node processes called it, and its earliest position (fraction of the trace).
node_calls, first = collections.Counter(), {}
processes = nodes = 0
for file in sorted(os.listdir(trace_dir)):
    lines = open(os.path.join(trace_dir, file)).read().splitlines()
    if not lines or not lines[0].startswith('# ') or os.path.realpath(lines[0][2:].split(' ', 1)[0]) != real:
        continue  # another executable started with the same environment
    processes += 1
    is_node = ' node ' in lines[0]
    nodes += is_node
    calls = [int(l, 16) for l in lines[1:] if l]
    for position, address in enumerate(calls):
        if is_node:
            node_calls[address] += 1
        first[address] = min(first.get(address, 2.0), position / max(len(calls), 1))
def group(address):
    n = node_calls[address]
    return 0 if n == nodes else (1 if n else 2)
order = sorted(first, key=lambda a: (group(a), first[a]))
with open(out_path, 'w') as f:
    for address in order:
        for name in names.get(address, []):
            f.write(name + '\n')
counts = collections.Counter(group(a) for a in order)
print(f"{processes} raftcast processes ({nodes} nodes): {counts[0]} functions every node called, "
      f"{counts[1]} some nodes called, {counts[2]} only other commands -> {out_path}")
PY
# SwiftPM does not know the link reads the file: remove the binary so the next release build relinks it.
rm -f "$RAFTCAST"
echo "removed $RAFTCAST: the next release build links it with the new order"
