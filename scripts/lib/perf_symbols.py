#!/usr/bin/env python3
"""Self time per symbol and process from `perf script --show-mmap-events -G -F pid,ip,sym,dso` on stdin.

perf does not resolve raftcast's own symbols (the release binary exports none: they are in .symtab only),
so addresses in BINARY are mapped through its executable mapping (from the mmap events) to file offsets,
plus DELTA (hex: .text's address minus its file offset, `readelf -S`), and looked up in `nm -n BINARY`.
  perf script -i perf.data --show-mmap-events -G -F pid,ip,sym,dso | perf_symbols.py BINARY DELTA [PID=label...]"""
import re
import bisect, collections, subprocess, sys

binary, delta = sys.argv[1], int(sys.argv[2], 16)
names = dict(arg.split('=') for arg in sys.argv[3:])  # pid=label
syms = []
for line in subprocess.run(['nm', '-n', binary], capture_output=True, text=True).stdout.splitlines():
    p = line.split(None, 2)
    if len(p) == 3 and p[1] in 'tTwW':
        syms.append((int(p[0], 16), p[2].strip()))
keys = [s[0] for s in syms]
cache = {}
def demangle(n):
    if n not in cache:
        cache[n] = subprocess.run(['swift', 'demangle', '--compact', '--simplified', n], capture_output=True, text=True).stdout.strip()
    return cache[n]
counts = collections.defaultdict(collections.Counter)
base = {}
mmap = re.compile(r'PERF_RECORD_MMAP2? (\d+)/\d+: \[0x([0-9a-f]+)\(0x[0-9a-f]+\) @ 0x([0-9a-f]+) .*r-xp (\S+)')
for line in sys.stdin:
    m = mmap.search(line)
    if m or 'PERF_RECORD' in line:
        if m and m.group(4) == binary: base[m.group(1)] = int(m.group(2), 16) - int(m.group(3), 16)
        continue
    p = line.split()
    if len(p) < 3: continue
    pid, ip = p[0], p[1]
    dso = p[-1].strip('()')
    sym = ' '.join(p[2:-1])
    if dso == binary:
        i = bisect.bisect_right(keys, int(ip, 16) - base.get(pid, 0) + delta) - 1
        sym = demangle(syms[i][1]) if i >= 0 else ip
    elif dso.startswith('[kernel'):
        sym = '[k] ' + sym
    counts[pid][sym[:110]] += 1
for pid, c in counts.items():
    total = sum(c.values())
    print(f'== {names.get(pid, pid)} ({total} samples)')
    for sym, n in c.most_common(int(__import__("os").environ.get("TOP", "25"))):
        print(f'{100.0 * n / total:6.2f}%  {sym}')
