#!/usr/bin/env python3
"""Helpers of scripts/bench-catchup.sh (standard library only).

  catchup.py watch --voters URL,URL,URL --joiner URL --token T --timeout S
      Polls every 100 ms from now: the first voter that names a leader gives the leader's URL; its
      commit_index and then the joiner's applied_index (GET /v1/cluster). Prints one JSON object:
      listed_s (the leader's /v1/members lists the joiner), answering_s (the joiner answers /v1/cluster),
      caught_up_s (joiner's applied_index >= the leader's commit_index read just before), target_index,
      cluster_time_ns at the start and at the catch-up (a voter's /v1/playback, for the play-log window).
      Exits 1 (with a one-line error) when the joiner has not caught up within S seconds.

  catchup.py skew --from NS --to NS PLAYLOG...
      Per fragment logged by two or more of the play logs (one per node), the skew: the spread of the nodes'
      nominal starts (heard_at_ns carried back to the fragment's first sample), as Broadcast's
      PlayLogAnalysis defines it; per node, the gaps between consecutive fragments (a stall shows as one).
      Prints p50/p99/max skew and the largest |gap| over all fragments, and over the fragments whose
      nominal start lies in [FROM, TO] (cluster time: the catch-up).
"""
import argparse
import json
import sys
import time
import urllib.request


def get(url, token, timeout=1.0):
    request = urllib.request.Request(url, headers={"Authorization": "Bearer " + token})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except Exception:
        return None


def cluster_time(voters, token):
    for url in voters:
        playback = get(url + "/v1/playback", token)
        if playback and isinstance(playback.get("cluster_time_ns"), int):
            return playback["cluster_time_ns"]
    return None


def watch(args):
    voters = args.voters.split(",")
    start = time.monotonic()
    result = {"cluster_time_start_ns": cluster_time(voters, args.token)}
    while time.monotonic() - start < args.timeout:
        now = time.monotonic() - start
        leader = None
        for url in voters:
            report = get(url + "/v1/cluster", args.token)
            if report and report.get("role") == "leader":
                leader = (url, report)
                break
        joiner = get(args.joiner + "/v1/cluster", args.token)
        if joiner is not None and "answering_s" not in result:
            result["answering_s"] = round(now, 3)
        if leader and "listed_s" not in result:
            members = get(leader[0] + "/v1/members", args.token) or {}
            if any(m.get("id") == args.joiner_id for m in members.get("members", [])):
                result["listed_s"] = round(now, 3)
        if leader and joiner and "listed_s" in result and joiner.get("applied_index", 0) >= leader[1]["commit_index"]:
            result["caught_up_s"] = round(time.monotonic() - start, 3)
            result["target_index"] = leader[1]["commit_index"]
            result["cluster_time_caught_up_ns"] = cluster_time(voters, args.token)
            print(json.dumps(result, sort_keys=True))
            return 0
        time.sleep(0.1)
    print("error: the joiner did not catch up within %s s (%s)" % (args.timeout, json.dumps(result)), file=sys.stderr)
    return 1


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[max(int(-(-fraction * len(ordered) // 1)) - 1, 0)]


def skew(args):
    records = []
    for path in args.playlogs:
        with open(path) as handle:
            records += [json.loads(line) for line in handle if line.strip()]

    def nominal(r):
        return r["heard_at_ns"] - (r["first_played_sample"] - r["fragment_first_sample"]) * 1e9 / r["sample_rate"]

    by_fragment, by_node = {}, {}
    for r in records:
        by_fragment.setdefault((r["stream"], r["fragment"]), []).append(nominal(r))
        by_node.setdefault((r["node"], r["stream"]), []).append(r)
    skews = [(min(s), max(s) - min(s)) for s in by_fragment.values() if len(s) >= 2]
    gaps = []
    for rs in by_node.values():
        rs.sort(key=lambda r: r["fragment"])
        for a, b in zip(rs, rs[1:]):
            end = nominal(a) + a["fragment_samples"] * 1e9 / a["sample_rate"]
            gaps.append((end, b["heard_at_ns"] - end))

    def summary(name, pairs, gap_pairs):
        if not pairs:
            return "%s: no fragment logged by two nodes" % name
        values = [v / 1e6 for _, v in pairs]
        largest = max((abs(g) / 1e6 for _, g in gap_pairs), default=0.0)
        return "%s: %d fragments, skew p50 %.3f ms p99 %.3f ms max %.3f ms; largest gap %.3f ms" % (
            name, len(values), percentile(values, 0.5), percentile(values, 0.99), max(values), largest)

    print(summary("all", skews, gaps))
    window = [(t, v) for t, v in skews if args.since <= t <= args.until]
    gap_window = [(t, g) for t, g in gaps if args.since <= t <= args.until]
    print(summary("during catch-up", window, gap_window))
    return 0


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    w = commands.add_parser("watch")
    w.add_argument("--voters", required=True)
    w.add_argument("--joiner", required=True)
    w.add_argument("--joiner-id", required=True)
    w.add_argument("--token", required=True)
    w.add_argument("--timeout", type=float, required=True)
    s = commands.add_parser("skew")
    s.add_argument("--from", dest="since", type=float, required=True)
    s.add_argument("--to", dest="until", type=float, required=True)
    s.add_argument("playlogs", nargs="+")
    args = parser.parse_args()
    return watch(args) if args.command == "watch" else skew(args)


if __name__ == "__main__":
    sys.exit(main())
