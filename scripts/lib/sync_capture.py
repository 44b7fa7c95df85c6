#!/usr/bin/env python3
"""External capture of what raftcast nodes write to their audio device, and the inter-node offset it shows.

Used by scripts/bench-sync.sh (method: docs/playback-sync.md, "Measuring sync from outside").

  sync_capture.py capture OUT_DIR NAME=FIFO...        read every FIFO until SIGTERM; one thread per FIFO,
                                                      os.read in a loop, CLOCK_MONOTONIC stamped on every read;
                                                      writes OUT_DIR/NAME.raw (the bytes) and NAME.stamps
                                                      (int64 pairs: stamp ns, bytes of that read)
  sync_capture.py analyze OUT_DIR REFERENCE.raw RUN NAME=PLAYLOG...
                                                      one JSON line: per pair of nodes the offset (ms) of the
                                                      same source frames as captured, and as the play logs claim

Heard time of a captured frame. A node whose device does not pace itself (alsa-lib's `file` plugin over
`null`) writes it up to 500 ms ahead of a `VirtualPlayhead`: a playhead that starts at the local time T0 of
the node's first write and then advances one frame per 1/rate on the node's monotonic clock (it never runs
dry while the engine keeps 500 ms queued). So frame k written to the device (k counted from the first byte
the device ever received, which the FIFO keeps in order) is heard at T0 + k / rate on the node's clock, which
on one machine is the capture's CLOCK_MONOTONIC. T0 is taken as the stamp of the capture's first read
(estimator A): the engine's first write is a burst that fills the 500 ms queue at once, and the file plugin
passes bytes on once more than its 100 ms buffer is held, so the first read follows T0 by the time to write
the first ~11 chunks of silence plus the pipe's wake-up: tens of µs, the same code path on every node, so it
mostly cancels between nodes. Estimator B, a cross-check independent of the burst: in steady state every read
of a node ends B frames into the stream at t ≈ T0 + B / rate − (queue after the write, 500–510 ms) + L / rate
(the plugin's buffer) + wake-up, the same distribution on every node: the median of t − B / rate differs
between two nodes by their T0 difference. The two estimators' disagreement is reported per pair.
"""
import json
import os
import signal
import sys
import threading
import time

RATE = 48000
FRAME_BYTES = 4  # s16le stereo
F_SETPIPE_SZ = 1031


def capture(out_dir, specs):
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    results = {}
    lock = threading.Lock()

    def reader(name, path):
        # O_RDWR: the open does not wait for the writer, and reads block (no EOF) until data comes.
        fd = os.open(path, os.O_RDWR)
        try:
            import fcntl
            fcntl.fcntl(fd, F_SETPIPE_SZ, 1 << 20)
        except OSError:
            pass
        data = bytearray()
        stamps = []
        with lock:
            results[name] = (data, stamps)
        while True:
            chunk = os.read(fd, 1 << 20)
            stamp = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
            with lock:
                data += chunk
                stamps.append((stamp, len(chunk)))

    for spec in specs:
        name, path = spec.split("=", 1)
        threading.Thread(target=reader, args=(name, path), daemon=True).start()
    print("ready", flush=True)
    while not stop.wait(0.2):
        pass
    with lock:
        for name, (data, stamps) in results.items():
            with open(os.path.join(out_dir, name + ".raw"), "wb") as f:
                f.write(bytes(data))
            with open(os.path.join(out_dir, name + ".stamps"), "w") as f:
                for stamp, n in stamps:
                    f.write(f"{stamp} {n}\n")


def percentile(values, p):
    """Nearest rank."""
    if not values:
        return float("nan")
    s = sorted(values)
    rank = max(1, -(-len(s) * p // 100))
    return s[int(rank) - 1]


def heard_origin(stamps):
    """(estimator A: first read stamp, estimator B: median of t − B/rate over steady state), ns."""
    first = stamps[0][0]
    total = 0
    u = []
    for stamp, n in stamps:
        total += n
        if stamp - first > 2_000_000_000:
            u.append(stamp - total / FRAME_BYTES * 1e9 / RATE)
    u.sort()
    return first, (u[len(u) // 2] if u else float("nan"))


def write_schedule(stamps):
    """(frames through the end of each read, t − frames / rate in ns) for every read."""
    total = 0
    frames, u = [], []
    for stamp, n in stamps:
        total += n
        f = total / FRAME_BYTES
        frames.append(f)
        u.append(stamp - f * 1e9 / RATE)
    return frames, u


def origin_near(schedule, k, half_window=RATE, width_ns=100_000):
    """The heard-time origin T0 (up to a constant common to every node) near captured frame k: the mode of
    t − frames / rate over the reads within ±1 s of k: the median of the densest 0.1 ms-wide cluster
    (estimator M; the engine's regular wake-ups, at queue = 495 ms, form that cluster; wake-ups on other
    events fall up to 5 ms below it, late ones above)."""
    import bisect
    frames, u = schedule
    lo = bisect.bisect_left(frames, k - half_window)
    hi = bisect.bisect_right(frames, k + half_window)
    window = sorted(u[lo:hi])
    if not window:
        return float("nan")
    best, best_i, j = 0, 0, 0
    for i in range(len(window)):
        while j < len(window) and window[j] <= window[i] + width_ns:
            j += 1
        if j - i > best:
            best, best_i = j - i, i
    cluster = window[best_i:best_i + best]
    return cluster[len(cluster) // 2]


def read_play_log(path):
    """(stream, fragment) → nominal cluster time of the fragment's first sample, ns; and its sample."""
    out = {}
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            try:
                r = json.loads(line)
            except ValueError:
                continue
            nominal = r["heard_at_ns"] - (r["first_played_sample"] - r["fragment_first_sample"]) * 1e9 / r["sample_rate"]
            out[(r["stream"], r["fragment"])] = (nominal, r["fragment_first_sample"], r.get("clock_error_bound_ns", 0))
    return out


def analyze(out_dir, reference_path, run, specs):
    with open(reference_path, "rb") as f:
        reference = f.read()
    nodes = {}
    for spec in specs:
        name, log = spec.split("=", 1)
        with open(os.path.join(out_dir, name + ".raw"), "rb") as f:
            raw = f.read()
        stamps = []
        with open(os.path.join(out_dir, name + ".stamps")) as f:
            for line in f:
                a, b = line.split()
                stamps.append((int(a), int(b)))
        if not stamps:
            print(json.dumps({"run": run, "error": f"{name}: nothing captured"}))
            return
        a, b = heard_origin(stamps)
        nodes[name] = {"raw": raw, "t0": a, "t0b": b, "schedule": write_schedule(stamps), "log": read_play_log(log)}
    names = sorted(nodes)
    # Source frames: every 0.25 s of the reference, a window of 256 frames matched exactly (the nodes decode
    # bit-exact with ffmpeg) at a frame boundary of each capture.
    window = 256
    found = {}
    missing = 0
    for s in range(RATE, len(reference) // FRAME_BYTES - window - RATE, RATE // 4):
        needle = reference[s * FRAME_BYTES:(s + window) * FRAME_BYTES]
        ks = {}
        for n in names:
            raw = nodes[n]["raw"]
            pos = raw.find(needle)
            while pos >= 0 and pos % FRAME_BYTES:
                pos = raw.find(needle, pos + 1)
            if pos < 0:
                break
            ks[n] = pos // FRAME_BYTES
        if len(ks) == len(names):
            found[s] = ks
        else:
            missing += 1
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
    result = {"run": run, "frames": len(found), "unmatched": missing, "pairs": {}}
    settle = int(float(os.environ.get("SETTLE_SECONDS", "10")) * RATE)
    all_abs = []
    settled_abs = []
    for a, b in pairs:
        offs = []
        offs_b = []
        offs_a = []
        for s, ks in found.items():
            ha = origin_near(nodes[a]["schedule"], ks[a]) + ks[a] * 1e9 / RATE
            hb = origin_near(nodes[b]["schedule"], ks[b]) + ks[b] * 1e9 / RATE
            offs.append((ha - hb) / 1e6)
            offs_a.append((nodes[a]["t0"] - nodes[b]["t0"] + (ks[a] - ks[b]) * 1e9 / RATE) / 1e6)
            offs_b.append((nodes[a]["t0b"] - nodes[b]["t0b"] + (ks[a] - ks[b]) * 1e9 / RATE) / 1e6)
        all_abs += [abs(o) for o in offs]
        settled_abs += [abs(o) for s, o in zip(found, offs) if s >= settle]
        # What the play logs claim for the same frames: fragment starts, nominal times in each node's cluster time.
        la, lb = nodes[a]["log"], nodes[b]["log"]
        logged = [(la[k][0] - lb[k][0]) / 1e6 for k in la if k in lb]
        result["pairs"][f"{a}-{b}"] = {
            "captured_ms_median": percentile(offs, 50), "captured_ms_min": min(offs, default=float("nan")),
            "captured_ms_max": max(offs, default=float("nan")),
            "estimator_b_ms_median": percentile(offs_b, 50), "estimator_a_ms_median": percentile(offs_a, 50),
            "logged_ms_median": percentile(logged, 50), "logged_fragments": len(logged),
            "series": [[round(s / RATE, 2), round(o, 4), round(ob, 4)] for s, o, ob in zip(found, offs, offs_b)],
            "logged_series": [[k[1], round(v, 4)] for k, v in zip([k for k in la if k in lb], logged)],
        }
    result["abs_ms"] = {"median": percentile(all_abs, 50), "p90": percentile(all_abs, 90), "max": max(all_abs, default=float("nan"))}
    result["settled_abs_ms"] = {"from_s": settle / RATE, "median": percentile(settled_abs, 50),
                                "p90": percentile(settled_abs, 90), "max": max(settled_abs, default=float("nan"))}
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "capture":
        capture(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) >= 5 and sys.argv[1] == "analyze":
        analyze(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
    else:
        sys.exit(__doc__)
