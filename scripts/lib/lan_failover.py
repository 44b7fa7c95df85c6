"""One failover round on scripts/lan.sh's LAN (network namespaces), timed from outside the nodes.

    lan_failover.py --work DIR --nodes 3 --mode kill|cut --leader nK

kill: SIGKILL the leader's process (its sockets reset: the followers know at once).
cut:  take the leader's link down (no reset: the followers find out by their election timeout).
Then polls every survivor's /v1/cluster every 5 ms until one of them is leader in a higher term and has
committed past the old leader's commit index (the new leader's first entry), and prints one JSON line:
{"mode", "leader", "new_leader", "ms"}. Exit 1 when no new leader commits within 10 s.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request


def cluster(address):
    try:
        with urllib.request.urlopen(f"http://{address}/v1/cluster", timeout=0.5) as response:
            return json.loads(response.read())
    except Exception:
        return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--nodes", type=int, required=True)
    parser.add_argument("--mode", choices=["kill", "cut"], required=True)
    parser.add_argument("--leader", required=True)
    parser.add_argument("--subnet", default="10.77.0")
    parser.add_argument("--prefix", default="rc")
    args = parser.parse_args()
    addresses = {f"n{i}": f"{args.subnet}.{10 + i}:8100" for i in range(1, args.nodes + 1)}
    before = cluster(addresses[args.leader])
    if not before or before.get("role") != "leader":
        print(f"error: {args.leader} is not the leader", file=sys.stderr)
        return 1
    survivors = [n for n in addresses if n != args.leader]
    if args.mode == "kill":
        with open(os.path.join(args.work, f"{args.leader}.pid")) as f:
            pid = int(f.read())
        start = time.monotonic()
        os.kill(pid, signal.SIGKILL)
    else:
        subprocess.run(["ip", "-n", f"{args.prefix}-{args.leader}", "link", "set", "eth0", "down"], check=True)
        start = time.monotonic()
    deadline = start + 10
    while time.monotonic() < deadline:
        for node in survivors:
            report = cluster(addresses[node])
            if report and report.get("role") == "leader" and report["term"] > before["term"] \
                    and report["commit_index"] > before["commit_index"]:
                ms = (time.monotonic() - start) * 1000
                print(json.dumps({"mode": args.mode, "leader": args.leader, "new_leader": node, "ms": round(ms, 1)}))
                return 0
        time.sleep(0.005)
    print(f"error: no new leader committed within 10 s of the {args.mode}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
