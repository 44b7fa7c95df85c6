#!/usr/bin/env python3
"""The exact error of each follower's cluster-clock estimate on one host (issue 18, target 5).

All nodes of a loopback cluster share CLOCK_MONOTONIC, so each node's status (GET /v1/playback: `local_time_ns`,
its monotonic clock, and `cluster_time_ns`, its cluster time at that instant) gives its offset
cluster − local; the timekeeper's (the leader's) offset is the truth. A follower's error at local time t is its
offset minus the leader's, the leader's interpolated linearly between its two reads around t.

  clock_truth.py poll OUT.jsonl SECONDS INTERVAL_MS PORT...   # polls every node, one JSON line per read
  clock_truth.py report OUT.jsonl SETTLE_S                    # per follower: median / p90 / max |error| (µs)
                                                              # over reads SETTLE_S after all are synchronized,
                                                              # and the max |error| before (the burst)
"""
import json
import sys
import time
import urllib.request


def poll(out, seconds, interval_ms, ports):
    deadline = time.monotonic() + seconds
    with open(out, "w") as f:
        while time.monotonic() < deadline:
            start = time.monotonic()
            for port in ports:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/playback", timeout=1) as r:
                        body = json.load(r)
                except (OSError, ValueError):
                    continue
                if not isinstance(body, dict):
                    continue
                row = {k: body.get(k) for k in ("node", "local_time_ns", "cluster_time_ns", "clock_timekeeper",
                                                 "clock_synchronized", "clock_error_bound_ns", "clock_samples",
                                                 "clock_steps")}
                f.write(json.dumps(row) + "\n")
            f.flush()
            time.sleep(max(0.0, interval_ms / 1000 - (time.monotonic() - start)))


def percentile(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(p * (len(s) - 1) + 0.5))]


def report(path, settle_s):
    rows = []
    with open(path) as f:
        for line in f:
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if isinstance(row.get("local_time_ns"), int) and isinstance(row.get("cluster_time_ns"), int):
                rows.append(row)
    keepers = [r for r in rows if r.get("clock_timekeeper")]
    if not keepers:
        print(json.dumps({"error": "no timekeeper"}))
        return
    # After a leader change (an election on a loaded machine), the last timekeeper, from when it took over.
    first_kept = {}
    for r in keepers:
        first_kept[r["node"]] = min(first_kept.get(r["node"], r["local_time_ns"]), r["local_time_ns"])
    last = max(first_kept, key=first_kept.get)
    leader_ids = {last}
    leader = sorted((r for r in keepers if r["node"] == last), key=lambda r: r["local_time_ns"])
    lt = [r["local_time_ns"] for r in leader]
    lo = [r["cluster_time_ns"] - r["local_time_ns"] for r in leader]

    def leader_offset(t):
        if t <= lt[0] or t >= lt[-1]:
            return None
        lo_i = 0
        hi_i = len(lt) - 1
        while hi_i - lo_i > 1:
            mid = (lo_i + hi_i) // 2
            if lt[mid] <= t:
                lo_i = mid
            else:
                hi_i = mid
        w = (t - lt[lo_i]) / (lt[hi_i] - lt[lo_i])
        return lo[lo_i] + w * (lo[hi_i] - lo[lo_i])

    followers = sorted({r["node"] for r in rows} - leader_ids)
    rows = [r for r in rows if r["local_time_ns"] >= first_kept[last]]
    synced = []
    for node in followers:
        times = [r["local_time_ns"] for r in rows if r["node"] == node and r.get("clock_synchronized")]
        if not times:
            print(json.dumps({"error": f"{node} never synchronized"}))
            return
        synced.append(min(times))
    start = max(synced + [first_kept[last]]) + int(settle_s * 1e9)
    result = {"leader": last, "leader_changes": len(first_kept) - 1, "followers": {}}
    for node in followers:
        errors = []
        early = []
        bounds = []
        for r in rows:
            if r["node"] != node or not r.get("clock_synchronized"):
                continue
            ref = leader_offset(r["local_time_ns"])
            if ref is None:
                continue
            error = (r["cluster_time_ns"] - r["local_time_ns"] - ref) / 1000
            if r["local_time_ns"] < start:
                early.append(abs(error))
                continue
            errors.append(error)
            if isinstance(r.get("clock_error_bound_ns"), int):
                bounds.append(r["clock_error_bound_ns"] / 1000)
        if not errors:
            continue
        mags = [abs(e) for e in errors]
        result["followers"][node] = {
            "reads": len(errors), "median_us": round(percentile(mags, 0.5), 1),
            "p90_us": round(percentile(mags, 0.9), 1), "max_us": round(max(mags), 1),
            "signed_median_us": round(percentile(errors, 0.5), 1),
            "bound_median_us": round(percentile(bounds, 0.5), 1) if bounds else None,
            "before_settle_max_us": round(max(early), 1) if early else None,
        }
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) >= 6 and sys.argv[1] == "poll":
        poll(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), [int(p) for p in sys.argv[5:]])
    elif len(sys.argv) == 4 and sys.argv[1] == "report":
        report(sys.argv[2], float(sys.argv[3]))
    else:
        sys.exit(__doc__)
