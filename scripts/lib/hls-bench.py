#!/usr/bin/env python3
"""HLS load and timing for scripts/bench-hls.sh (Python standard library only).

  hls-bench.py cluster --nodes n1=PORT:PID,n2=PORT:PID,n3=PORT:PID --stream ID --seconds 30 --per-node 20
      Starts the library file --media as stream --stream (paced) on the leader, subscribes to /v1/events of
      every node and, from each fragment's first `fragment-committed` event (the commit), polls every node's
      playlist (own connection) at each node's event and every 10 ms until the fragment is listed; meanwhile
      two windows of --seconds each: 0 players (the baseline), then --per-node players per node. Prints
      `key: value` lines, which `summary` reads.
  hls-bench.py summary CLUSTER_OUTPUT [PEER_OUTPUT]
      The Markdown tables of BENCHMARKS.md's "HLS serving" section.
  hls-bench.py peer --url http://127.0.0.1:PORT/index.m3u8 --pids PID,... --seconds 30 --players 60
      The same players against another HLS server (the peer), its processes' CPU summed.

A player behaves like a browser's HLS player on a live playlist: one persistent HTTP/1.1 connection, the
init segment once, the playlist every target-duration/2 (at least 0.5 s), starting with the last 3
segments listed, then every new segment once. Players start spread over the first second (their first
fetches are inside the window). CPU is utime+stime from
/proc/PID/stat over the window (percent of one core); RSS is VmRSS, largest of the 1 s samples.
Every answer is checked: status 200, Content-Length read in full; anything else counts as an error.
"""
import argparse
import http.client
import json
import os
import re
import sys
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


class Stats:
    """Counters of one window, shared by its players."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = {"playlist": [], "segment": []}
        self.bytes = 0
        self.errors = 0
        self.error_samples = []

    def ok(self, kind, seconds, size):
        with self.lock:
            self.latencies[kind].append(seconds * 1000)
            self.bytes += size

    def error(self, what):
        with self.lock:
            self.errors += 1
            if len(self.error_samples) < 5:
                self.error_samples.append(what[:200])


class Connection:
    """One persistent HTTP/1.1 connection, reopened after a failure."""

    def __init__(self, host, port, timeout=10):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn = None

    def get(self, path):
        """(status, body, seconds); raises on a transport failure (the connection is then dropped)."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        start = time.monotonic()
        try:
            self.conn.request("GET", path)
            response = self.conn.getresponse()
            body = response.read()
            length = response.getheader("Content-Length")
            if length is not None and int(length) != len(body):
                raise IOError(f"{path}: {len(body)} bytes of {length}")
            if response.will_close:
                self.close()
            return response.status, body, time.monotonic() - start
        except Exception:
            self.close()
            raise

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def parse_playlist(text):
    """(target duration s, segment URIs, init URI or None)."""
    target, uris, init = 2.0, [], None
    for line in text.splitlines():
        if line.startswith("#EXT-X-TARGETDURATION:"):
            target = float(line.split(":", 1)[1])
        elif line.startswith("#EXT-X-MAP:"):
            match = re.search(r'URI="([^"]+)"', line)
            init = match.group(1) if match else None
        elif line and not line.startswith("#"):
            uris.append(line)
    return target, uris, init


def player(host, port, playlist_path, stats, stop, delay):
    base = playlist_path.rsplit("/", 1)[0] + "/"
    conn = Connection(host, port)
    if stop.wait(delay):
        return
    seen, have_init, first = set(), False, True
    while not stop.is_set():
        started = time.monotonic()
        interval = 1.0
        try:
            status, body, seconds = conn.get(playlist_path)
            if status != 200:
                stats.error(f"playlist {status}")
            else:
                stats.ok("playlist", seconds, len(body))
                target, uris, init = parse_playlist(body.decode())
                interval = max(0.5, target / 2)
                if init and not have_init:
                    status, body, seconds = conn.get(base + init)
                    if status == 200:
                        stats.ok("segment", seconds, len(body))
                        have_init = True
                    else:
                        stats.error(f"{init} {status}")
                if first:
                    seen.update(uris[:-3])
                    first = False
                for uri in uris:
                    if uri in seen or stop.is_set():
                        continue
                    status, body, seconds = conn.get(base + uri)
                    if status == 200:
                        stats.ok("segment", seconds, len(body))
                        seen.add(uri)
                    else:
                        stats.error(f"{uri} {status}")
        except Exception as error:  # a failed request: counted, the connection reopened next poll
            stats.error(f"{type(error).__name__}: {error}")
        stop.wait(max(0.0, interval - (time.monotonic() - started)))
    conn.close()


class Window:
    """CPU, RSS and (for raftcast nodes) HLS counters of processes over one window."""

    def __init__(self, pids):
        self.pids = pids
        self.rss = {pid: 0 for pid in pids}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while True:
            for pid in self.pids:
                try:
                    self.rss[pid] = max(self.rss[pid], rss_kib(pid))
                except OSError:
                    pass
            if self.stop.wait(1.0):
                return

    def __enter__(self):
        self.ticks = {pid: cpu_ticks(pid) for pid in self.pids}
        self.start = time.monotonic()
        self.client = os.times()
        self.thread.start()
        return self

    def __exit__(self, *_):
        self.seconds = time.monotonic() - self.start
        self.cpu = {pid: (cpu_ticks(pid) - self.ticks[pid]) / CLK_TCK / self.seconds * 100 for pid in self.pids}
        now = os.times()
        self.client_cpu = ((now.user - self.client.user) + (now.system - self.client.system)) / self.seconds * 100
        self.stop.set()
        self.thread.join()


def run_players(targets, per_target, seconds, pids):
    """Players against each (host, port, path) for `seconds`; (Stats, Window)."""
    stats, stop, threads = Stats(), threading.Event(), []
    with Window(pids) as window:
        for host, port, path in targets:
            for i in range(per_target):
                delay = i / max(1, per_target)  # spread over the first second
                threads.append(threading.Thread(target=player, args=(host, port, path, stats, stop, delay), daemon=True))
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
    return stats, window


def print_window(name, stats, window, labels):
    print(f"{name} seconds: {window.seconds:.1f}")
    for pid, label in zip(window.pids, labels):
        print(f"{name} {label} cpu_percent: {window.cpu[pid]:.2f}")
        print(f"{name} {label} rss_mib_max: {window.rss[pid] / 1024:.1f}")
    print(f"{name} client_cpu_percent: {window.client_cpu:.1f}")
    print(f"{name} load_average: {open('/proc/loadavg').read().split()[0:3]}")
    if stats is None:
        return
    for kind, values in stats.latencies.items():
        print(f"{name} {kind} requests: {len(values)} p50_ms: {percentile(values, 50):.2f} p99_ms: "
              f"{percentile(values, 99):.2f} max_ms: {max(values) if values else float('nan'):.2f}")
    print(f"{name} bytes: {stats.bytes} mbit_per_s: {stats.bytes * 8 / window.seconds / 1e6:.1f}")
    print(f"{name} errors: {stats.errors} {stats.error_samples}")


# --- commit → listed --------------------------------------------------------------------------------


class Listing:
    """First commit event of each fragment, each node's event and the first playlist that lists it."""

    def __init__(self, nodes, stream):
        self.nodes, self.stream = nodes, stream
        self.cond = threading.Condition()
        self.committed = {}  # index -> (monotonic time of the first event, phase)
        self.events = {name: {} for name in nodes}  # node -> index -> time of its event
        self.listed = {name: {} for name in nodes}  # node -> index -> time of the first playlist listing it
        self.phase = "warm-up"
        self.stop = threading.Event()
        self.errors = []

    def start(self):
        for name, (port, _) in self.nodes.items():
            threading.Thread(target=self._events, args=(name, port), daemon=True).start()
            threading.Thread(target=self._poll, args=(name, port), daemon=True).start()

    def _events(self, name, port):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=None)
            conn.request("GET", "/v1/events")
            response = conn.getresponse()
            if response.status != 200:
                raise IOError(f"/v1/events answered {response.status}")
            event = None
            while not self.stop.is_set():
                line = response.readline()
                if not line:
                    raise IOError("event stream closed")
                line = line.decode().rstrip("\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "fragment-committed":
                    now = time.monotonic()
                    data = json.loads(line[6:])
                    if data.get("stream") != self.stream:
                        continue
                    index = int(data["index"])
                    with self.cond:
                        self.events[name].setdefault(index, now)
                        if index not in self.committed:
                            self.committed[index] = (now, self.phase)
                        self.cond.notify_all()  # every node's event: its poller asks at once
        except Exception as error:
            if not self.stop.is_set():
                self.errors.append(f"{name} events: {error}")

    def _poll(self, name, port):
        conn = Connection("127.0.0.1", port)
        path = f"/v1/streams/{self.stream}/hls/index.m3u8"
        extension = None
        while not self.stop.is_set():
            with self.cond:
                while not self.stop.is_set() and all(i in self.listed[name] for i in self.committed):
                    self.cond.wait(0.5)
            try:
                status, body, _ = conn.get(path)
                received = time.monotonic()
                if status != 200:
                    continue
                _, uris, _ = parse_playlist(body.decode())
                listed = {int(u.split(".")[0]) for u in uris if u.split(".")[0].isdigit()}
                with self.cond:
                    for index in listed:
                        if index in self.committed:
                            self.listed[name].setdefault(index, received)
            except Exception as error:
                self.errors.append(f"{name} playlist: {error}")
            with self.cond:  # the next event, or 10 ms
                self.cond.wait(0.010)

    def report(self, roles):
        with self.cond:
            committed = dict(self.committed)
            listed = {n: dict(v) for n, v in self.listed.items()}
            events = {n: dict(v) for n, v in self.events.items()}
        for phase in ("baseline", "players"):
            indices = [i for i, (_, p) in committed.items() if p == phase]
            for name in self.nodes:
                delays = [(listed[name][i] - committed[i][0]) * 1000 for i in indices if i in listed[name]]
                event_delays = [(events[name][i] - committed[i][0]) * 1000 for i in indices if i in events[name]]
                missing = len(indices) - len(delays)
                print(f"listing {phase} {name} role: {roles.get(name, '?')} fragments: {len(delays)} missing: {missing} "
                      f"p50_ms: {percentile(delays, 50):.1f} p99_ms: {percentile(delays, 99):.1f} "
                      f"max_ms: {max(delays) if delays else float('nan'):.1f} "
                      f"event_p50_ms: {percentile(event_delays, 50):.1f} event_max_ms: "
                      f"{max(event_delays) if event_delays else float('nan'):.1f}")
        print(f"listing errors: {len(self.errors)} {self.errors[:3]}")


def metric(port, name):
    conn = Connection("127.0.0.1", port)
    status, body, _ = conn.get("/metrics")
    conn.close()
    if status != 200:
        fail(f"/metrics on port {port} answered {status}")
    for line in body.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    fail(f"/metrics on port {port} has no {name}")


def wait_for_leader(nodes, seconds=30):
    """Every node's role once all of them name the same leader (within `seconds`)."""
    deadline = time.monotonic() + seconds
    while True:
        roles, leaders = {}, set()
        for name, (port, _) in nodes.items():
            conn = Connection("127.0.0.1", port, timeout=2)
            try:
                status, body, _ = conn.get("/v1/cluster")
                report = json.loads(body) if status == 200 else {}
            except Exception:
                report = {}
            conn.close()
            roles[name] = report.get("role", "?")
            leaders.add(report.get("leader"))
        if len(leaders) == 1 and None not in leaders and "leader" in roles.values():
            return roles
        if time.monotonic() > deadline:
            fail(f"no leader known to every node within {seconds} s: {roles}")
        time.sleep(0.2)


def start_stream(port, args):
    """POSTs the library file `--media` as stream `--stream`, paced (real time), to the leader."""
    body = json.dumps({"media": args.media, "id": args.stream, "name": "hls bench", "fast": False})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/v1/streams", body=body, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {args.token}"})
    response = conn.getresponse()
    answer = response.read()
    conn.close()
    if response.status != 202:
        fail(f"POST /v1/streams answered {response.status}: {answer[:300]!r}")


def cluster(args):
    nodes = {}
    for item in args.nodes.split(","):
        match = re.fullmatch(r"(n\d+)=(\d+):(\d+)", item.strip())
        if not match:
            fail(f"--nodes: want NAME=PORT:PID items, got '{item}'")
        nodes[match.group(1)] = (int(match.group(2)), int(match.group(3)))
    if not re.fullmatch(r"[0-9a-f]{16}", args.stream):
        fail(f"--stream: want 16 hex digits, got '{args.stream}'")
    roles = wait_for_leader(nodes)
    leader = next(n for n, role in roles.items() if role == "leader")
    start_stream(nodes[leader][0], args)
    listing = Listing(nodes, args.stream)
    listing.start()
    path = f"/v1/streams/{args.stream}/hls/index.m3u8"
    # Live: wait for 3 segments listed everywhere before measuring.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        counts = []
        for port, _ in nodes.values():
            conn = Connection("127.0.0.1", port)
            try:
                status, body, _ = conn.get(path)
                counts.append(len(parse_playlist(body.decode())[1]) if status == 200 else 0)
            except Exception:
                counts.append(0)
            conn.close()
        if min(counts) >= 3:
            break
        time.sleep(0.2)
    else:
        fail(f"the stream's playlist did not list 3 segments on every node within 60 s ({counts})")
    pids = [pid for _, pid in nodes.values()]
    labels = list(nodes)
    print(f"per_node: {args.per_node}")
    names = ("raftcast_hls_segment_requests_total", "raftcast_hls_segments_remuxed_total")
    for phase, per_node in (("baseline", 0), ("players", args.per_node)):
        before = {n: [metric(port, m) for m in names] for n, (port, _) in nodes.items()}
        with listing.cond:
            listing.phase = phase
        targets = [("127.0.0.1", port, path) for port, _ in nodes.values()]
        stats, window = run_players(targets, per_node, args.seconds, pids)
        with listing.cond:
            listing.phase = "after"
        print_window(phase, stats if per_node else None, window, labels)
        for n, (port, _) in nodes.items():
            after = [metric(port, m) for m in names]
            print(f"{phase} {n} segment_requests: {after[0] - before[n][0]:.0f} remuxed: {after[1] - before[n][1]:.0f}")
    time.sleep(1)  # the last fragments' listings
    listing.stop.set()
    for n in nodes:
        print(f"role {n}: {roles[n]}")
    listing.report(roles)


def peer(args):
    match = re.fullmatch(r"http://([\d.]+):(\d+)(/.*)", args.url)
    if not match:
        fail(f"--url: want http://HOST:PORT/PATH, got '{args.url}'")
    host, port, path = match.group(1), int(match.group(2)), match.group(3)
    pids = [int(p) for p in args.pids.split(",")]
    stats, window = run_players([(host, port, path)], args.players, args.seconds, pids)
    window.pids = [pids[0]]  # report the processes' sum under one label
    total = sum(window.cpu[p] for p in pids)
    window.cpu = {pids[0]: total}
    window.rss = {pids[0]: sum(window.rss[p] for p in pids)}
    print_window("peer", stats, window, ["server"])


def summary(args):
    """Markdown tables of a `cluster` output and a `peer` output."""
    text = open(args.cluster).read()
    peer_text = open(args.peer).read() if args.peer else ""

    def value(pattern, source=text, cast=float):
        match = re.search(pattern, source, re.M)
        return cast(match.group(1)) if match else float("nan")

    def latency(prefix, kind, source=text):
        line = re.search(rf"^{prefix} {kind} requests: (\d+) p50_ms: (\S+) p99_ms: (\S+) max_ms: (\S+)$", source, re.M)
        return (int(line.group(1)), *(float(x) for x in line.groups()[1:])) if line else (0, *[float("nan")] * 3)

    nodes = re.findall(r"^role (n\d+): (\S+)$", text, re.M)
    n = value(r"^per_node: (\d+)", cast=int)
    print(f"| node | role | CPU, 0 players | CPU, {n} players | cost of {n} players | RSS max (0 / {n} players) | "
          f"segment requests / remuxes ({n} players) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    costs = []
    for name, role in nodes:
        base = value(rf"^baseline {name} cpu_percent: (\S+)")
        load = value(rf"^players {name} cpu_percent: (\S+)")
        rss0 = value(rf"^baseline {name} rss_mib_max: (\S+)")
        rss1 = value(rf"^players {name} rss_mib_max: (\S+)")
        requests = value(rf"^players {name} segment_requests: (\d+)", cast=int)
        remuxed = value(rf"^players {name} segment_requests: \d+ remuxed: (\d+)", cast=int)
        costs.append(load - base)
        print(f"| {name} | {role} | {base:.1f} % | {load:.1f} % | **{load - base:.1f} %** of a core | "
              f"{rss0:.0f} / {rss1:.0f} MiB | {requests} / {remuxed} |")
    print()
    seconds = value(r"^players seconds: (\S+)")
    segments, s50, s99, smax = latency("players", "segment")
    playlists, p50, p99, pmax = latency("players", "playlist")
    rate = value(r"^players bytes: \d+ mbit_per_s: (\S+)")
    errors = value(r"^players errors: (\d+)", cast=int)
    client = value(r"^players client_cpu_percent: (\S+)")
    load = re.search(r"^players load_average: (.*)$", text, re.M)
    print(f"Players: {segments} segments and {playlists} playlists in {seconds:.0f} s, {rate:.1f} Mbit/s served in "
          f"all, {errors} errors; latency p50 / p99 / max: segments {s50:.1f} / {s99:.1f} / {smax:.1f} ms, playlists "
          f"{p50:.1f} / {p99:.1f} / {pmax:.1f} ms. The players' own CPU (Python): {client:.0f} % of a core; load "
          f"average {load.group(1) if load else '?'}.")
    print()
    print("| commit → listed | node (role) | fragments | p50 ms | p99 ms | max ms | the node's own event, p50 / max ms |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for match in re.finditer(r"^listing (\S+) (n\d+) role: (\S+) fragments: (\d+) missing: (\d+) p50_ms: (\S+) "
                             r"p99_ms: (\S+) max_ms: (\S+) event_p50_ms: (\S+) event_max_ms: (\S+)$", text, re.M):
        phase, name, role, count, missing, l50, l99, top, e50, emax = match.groups()
        clients = "0 players" if phase == "baseline" else f"{n} players per node"
        note = f" ({missing} not seen)" if missing != "0" else ""
        print(f"| {clients} | {name} ({role}) | {count}{note} | {l50} | {l99} | {top} | {e50} / {emax} |")
    if peer_text:
        peer_cpu = value(r"^peer server cpu_percent: (\S+)", peer_text)
        peer_rss = value(r"^peer server rss_mib_max: (\S+)", peer_text)
        count, q50, q99, qmax = latency("peer", "segment", peer_text)
        peer_rate = value(r"^peer bytes: \d+ mbit_per_s: (\S+)", peer_text)
        peer_errors = value(r"^peer errors: (\d+)", peer_text, int)
        mean = sum(costs) / len(costs) if costs else float("nan")
        per20 = peer_cpu / 3
        ratio = mean / per20 if per20 > 0 else float("nan")
        print()
        print(f"Peer (nginx, {3 * n} players on one server, same run): {peer_cpu:.1f} % of a core in all, {per20:.1f} % "
              f"per {n} players; {count} segments, {peer_rate:.1f} Mbit/s, {peer_errors} errors; segment latency "
              f"p50 / p99 / max {q50:.1f} / {q99:.1f} / {qmax:.1f} ms; RSS {peer_rss:.0f} MiB (master + workers). "
              f"raftcast's mean cost per {n} players ({mean:.1f} %) is {ratio:.1f}× nginx's.")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("cluster")
    c.add_argument("--nodes", required=True)
    c.add_argument("--stream", required=True)
    c.add_argument("--seconds", type=int, default=30)
    c.add_argument("--per-node", type=int, default=20)
    c.add_argument("--media", required=True, help="the file in the cluster's media_dir to ingest, paced")
    c.add_argument("--token", required=True, help="the admin token (Authorization: Bearer)")
    p = sub.add_parser("peer")
    p.add_argument("--url", required=True)
    p.add_argument("--pids", required=True)
    p.add_argument("--seconds", type=int, default=30)
    p.add_argument("--players", type=int, default=60)
    m = sub.add_parser("summary")
    m.add_argument("cluster", help="the output of `cluster`")
    m.add_argument("peer", nargs="?", help="the output of `peer`")
    args = parser.parse_args()
    if args.command == "summary":
        return summary(args)
    if args.seconds <= 0:
        fail("--seconds must be positive")
    (cluster if args.command == "cluster" else peer)(args)


if __name__ == "__main__":
    main()
