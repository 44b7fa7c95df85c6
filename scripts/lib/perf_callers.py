#!/usr/bin/env python3
"""Who (first raftcast frames) is behind samples whose leaf matches PATTERN, per pid.
  perf script -i perf.data --show-mmap-events -F pid,ip,sym,dso | perf_callers.py BINARY DELTA PATTERN PID"""
import bisect, collections, re, subprocess, sys
binary, delta, pattern, want = sys.argv[1], int(sys.argv[2], 16), re.compile(sys.argv[3]), sys.argv[4]
syms = []
for line in subprocess.run(['nm', '-n', binary], capture_output=True, text=True).stdout.splitlines():
    p = line.split(None, 2)
    if len(p) == 3 and p[1] in 'tTwW': syms.append((int(p[0], 16), p[2].strip()))
keys = [s[0] for s in syms]
cache = {}
def name(addr):
    i = bisect.bisect_right(keys, addr) - 1
    n = syms[i][1]
    if n not in cache:
        cache[n] = subprocess.run(['swift', 'demangle', '--compact', '--simplified', n], capture_output=True, text=True).stdout.strip()[:120]
    return cache[n]
mmap = re.compile(r'PERF_RECORD_MMAP2? (\d+)/\d+: \[0x([0-9a-f]+)\(0x[0-9a-f]+\) @ 0x([0-9a-f]+) .*r-xp (\S+)')
base = {}
counts = collections.Counter()
total = 0
def name_of(frame, pid):
    a = int(frame[0], 16)
    return name((a if a < (1 << 40) else a - base.get(pid, 0)) + delta)
def flush(pid, frames):
    global total
    if pid != want or not frames: return
    total += 1
    if not pattern.search(frames[0][1]) and not (frames[0][2] == binary and pattern.search(name_of(frames[0], pid))): return
    chain = []
    for ip, sym, dso in frames:
        if dso == binary:
            a = int(ip, 16)
            chain.append(name((a if a < (1 << 40) else a - base.get(pid, 0)) + delta))
            if len(chain) == 3: break
    counts[' <- '.join(chain)] += 1
pid, frames = None, []
for line in sys.stdin:
    m = mmap.search(line)
    if m or 'PERF_RECORD' in line:
        if m and m.group(4) == binary: base[m.group(1)] = int(m.group(2), 16) - int(m.group(3), 16)
        continue
    if not line.strip():
        flush(pid, frames); pid, frames = None, []
        continue
    if line.strip().isdigit():
        flush(pid, frames); pid, frames = line.split()[0], []
        continue
    p = line.split()
    frames.append((p[0], ' '.join(p[1:-1]), p[-1].strip('()')))
flush(pid, frames)
for chain, n in counts.most_common(14):
    print(f'{100.0 * n / max(total, 1):6.2f}%  {chain}')
