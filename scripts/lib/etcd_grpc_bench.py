#!/usr/bin/env python3
"""etcd over gRPC, the way its users drive it: the cluster benchmark's etcd load generator.

Commits values of one size at a fixed concurrency to a running etcd cluster's leader through the
KV/Put RPC (etcdserverpb.KV/Put, as clientv3 and the `etcd3` Python client send it), each worker over
its own persistent gRPC channel (one HTTP/2 connection, kept for the whole run), and prints one line in
the same format as `raftcast-bench cluster`:

    target=etcd-grpc value_size=N concurrency=N ok=N failed=N seconds=S mb_per_s=X p50_ms=X p99_ms=X connects=N

    etcd_grpc_bench.py --endpoints 127.0.0.1:2379,... --value-size 262144 --concurrency 8 --count 384
    etcd_grpc_bench.py --self-test        # checks the protobuf encoding below; needs no grpcio
    etcd_grpc_bench.py --endpoints ... --leader-index            # prints the leader's index in --endpoints
    etcd_grpc_bench.py --endpoints ... --kill-pid PID            # failover: ms from SIGKILL to the next put

Only grpcio is needed: the two messages used (PutRequest, StatusResponse's header and leader) are
encoded and decoded here by field number, from etcd's api/etcdserverpb/rpc.proto, so no generated
stubs (whose protobuf runtime versions drift) are involved; on the wire it is the same bytes.
"""
import argparse
import math
import os
import sys
import threading
import time

PUT = "/etcdserverpb.KV/Put"
STATUS = "/etcdserverpb.Maintenance/Status"


def varint(n):
    """Protobuf base-128 varint of a non-negative integer."""
    if n < 0:
        raise ValueError("negative varint")
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def put_request(key, value):
    """PutRequest { bytes key = 1; bytes value = 2; }"""
    return b"\x0a" + varint(len(key)) + key + b"\x12" + varint(len(value)) + value


def read_varint(data, i):
    shift = 0
    value = 0
    while True:
        if i >= len(data):
            raise ValueError("truncated varint")
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def fields(data):
    """(field number, wire type, value) of each field of a message; value is an int or bytes."""
    i = 0
    out = []
    while i < len(data):
        tag, i = read_varint(data, i)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, i = read_varint(data, i)
        elif wire == 2:
            length, i = read_varint(data, i)
            if i + length > len(data):
                raise ValueError("truncated field %d" % number)
            value, i = bytes(data[i:i + length]), i + length
        elif wire == 1:
            value, i = int.from_bytes(data[i:i + 8], "little"), i + 8
        elif wire == 5:
            value, i = int.from_bytes(data[i:i + 4], "little"), i + 4
        else:
            raise ValueError("unsupported wire type %d" % wire)
        if i > len(data):
            raise ValueError("truncated field %d" % number)
        out.append((number, wire, value))
    return out


def status_is_leader(data):
    """StatusResponse { ResponseHeader header = 1; ...; uint64 leader = 4; } with
    ResponseHeader { uint64 cluster_id = 1; uint64 member_id = 2; ... }: true when the member that
    answered is the leader."""
    member = leader = None
    for number, wire, value in fields(data):
        if number == 1 and wire == 2:
            for n, w, v in fields(value):
                if n == 2 and w == 0:
                    member = v
        elif number == 4 and wire == 0:
            leader = value
    return member is not None and member != 0 and member == leader


def percentile(sorted_values, p):
    """The same rank as raftcast-bench cluster: the ceil(p·n)-th smallest."""
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(math.ceil(p * len(sorted_values))) - 1)]


def self_test():
    assert varint(0) == b"\x00" and varint(127) == b"\x7f" and varint(300) == b"\xac\x02"
    assert read_varint(varint(1 << 40), 0) == (1 << 40, 6)
    assert put_request(b"k", b"vv") == b"\x0a\x01k\x12\x02vv"
    big = put_request(b"key", b"x" * 300)
    assert fields(big) == [(1, 2, b"key"), (2, 2, b"x" * 300)]
    header = b"\x08" + varint(7) + b"\x10" + varint(0xDEADBEEF12) + b"\x18\x05"
    leader = b"\x0a" + varint(len(header)) + header + b"\x12\x063.4.23" + b"\x20" + varint(0xDEADBEEF12)
    follower = b"\x0a" + varint(len(header)) + header + b"\x20" + varint(99)
    assert status_is_leader(leader) and not status_is_leader(follower) and not status_is_leader(b"")
    for bad in (b"\x0a\x05ab", b"\x08", b"\x0b"):
        try:
            fields(bad)
        except ValueError:
            pass
        else:
            raise AssertionError("accepted %r" % bad)
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0 and percentile([1.0, 2.0], 0.99) == 2.0
    print("etcd_grpc_bench self-test: ok")


class Client:
    """Finds the leader and keeps one channel per worker to it (re-opened after a leader change)."""

    def __init__(self, grpc, endpoints):
        self.grpc = grpc
        self.endpoints = endpoints
        self.lock = threading.Lock()
        self.leader = None

    def channel(self, endpoint):
        # A subchannel pool of its own: one TCP connection per worker, not one shared by all channels.
        return self.grpc.insecure_channel(endpoint, options=[
            ("grpc.use_local_subchannel_pool", 1),
            ("grpc.max_receive_message_length", 64 << 20),
            ("grpc.max_send_message_length", 64 << 20),
        ])

    def find_leader(self):
        for endpoint in self.endpoints:
            try:
                with self.channel(endpoint) as ch:
                    status = ch.unary_unary(STATUS)(b"", timeout=1.0)
                if status_is_leader(status):
                    with self.lock:
                        self.leader = endpoint
                    return endpoint
            except Exception:
                continue
        return None


def leader_index(args):
    """Prints the index (0-based, in --endpoints) of the member that reports itself leader."""
    import grpc

    endpoints = args.endpoints.split(",")
    client = Client(grpc, endpoints)
    leader = client.find_leader()
    if leader is None:
        sys.exit("etcd_grpc_bench: error: no etcd member reports itself leader")
    print(endpoints.index(leader))


def commit_wait(args):
    """SIGKILLs --kill-pid (the leader), then sends a small put to every member every 5 ms (each given up
    after 1 s) until one succeeds; prints the milliseconds from the kill to that success. Puts overlap on
    purpose: an etcd follower holds a put it forwarded to the dead leader until the put times out, so one
    put at a time per member would only see the new leader at multiples of its timeout."""
    import signal

    import grpc

    endpoints = args.endpoints.split(",")
    client = Client(grpc, endpoints)
    puts = [client.channel(endpoint).unary_unary(PUT) for endpoint in endpoints]
    request = put_request(b"failover-probe", b"failover-probe")
    start = time.perf_counter()
    os.kill(args.kill_pid, signal.SIGKILL)
    deadline = start + args.timeout_ms / 1000
    in_flight = []
    next_send = start
    while time.perf_counter() < deadline:
        for future in in_flight:
            if future.done() and not future.cancelled() and future.exception() is None:
                print("%.1f" % ((time.perf_counter() - start) * 1000))
                for other in in_flight:
                    other.cancel()
                return
        in_flight = [f for f in in_flight if not f.done()]
        if time.perf_counter() >= next_send:
            in_flight.extend(put.future(request, timeout=1.0) for put in puts)
            next_send += 0.005
        time.sleep(0.0005)
    print("timeout")
    sys.exit(1)


def run(args):
    import grpc  # the bench venv's grpcio

    endpoints = [e for e in args.endpoints.split(",") if e]
    client = Client(grpc, endpoints)
    if client.find_leader() is None:
        sys.exit("error: no etcd member reports itself leader")
    value = os.urandom(args.value_size)
    latencies = []
    failures = [0]
    connects = [0]
    counter = [0]
    lock = threading.Lock()
    start = threading.Barrier(args.concurrency + 1)

    def worker(w):
        endpoint = client.leader
        ch = client.channel(endpoint)
        put = ch.unary_unary(PUT)
        with lock:
            connects[0] += 1
        grpc.channel_ready_future(ch).result(timeout=10)  # connected before the clock starts
        start.wait()
        while True:
            with lock:
                i = counter[0]
                counter[0] += 1
            if i >= args.count:
                break
            request = put_request(b"bench/%d/%d" % (w, i % 64), value)
            ok = False
            began = time.perf_counter()
            for _ in range(20):
                try:
                    put(request, timeout=10.0)
                    ok = True
                    break
                except grpc.RpcError:
                    ch.close()
                    endpoint = client.find_leader() or endpoint
                    ch = client.channel(endpoint)
                    put = ch.unary_unary(PUT)
                    with lock:
                        connects[0] += 1
                    time.sleep(0.02)
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    failures[0] += 1
        ch.close()

    threads = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(args.concurrency)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - began
    latencies.sort()
    megabytes = len(latencies) * args.value_size / 1048576
    print("target=etcd-grpc value_size=%d concurrency=%d ok=%d failed=%d seconds=%.3f mb_per_s=%.2f "
          "p50_ms=%.2f p99_ms=%.2f connects=%d" % (
              args.value_size, args.concurrency, len(latencies), failures[0], seconds, megabytes / seconds,
              percentile(latencies, 0.50), percentile(latencies, 0.99), connects[0]))
    if failures[0] > args.count // 10:
        sys.exit(1)


def fail(message):
    """A one-line error, exit status 2 (bad arguments)."""
    print("etcd_grpc_bench: error: " + message, file=sys.stderr)
    sys.exit(2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", help="comma-separated host:port of every member's client URL")
    parser.add_argument("--value-size", type=int, default=256 << 10)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--self-test", action="store_true")
    parser.add_argument("--leader-index", action="store_true", help="print the leader's index in --endpoints")
    parser.add_argument("--kill-pid", type=int, help="failover: SIGKILL this pid, time the next successful put")
    parser.add_argument("--timeout-ms", type=int, default=10000)
    args = parser.parse_args()
    if args.self_test:
        self_test()
        return
    if not args.endpoints:
        fail("--endpoints is required")
    if args.value_size <= 0 or args.concurrency <= 0 or args.count <= 0:
        fail("--value-size, --concurrency and --count must be positive")
    for e in args.endpoints.split(","):
        host, _, port = e.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            fail("bad endpoint %r (want host:port)" % e[:100])
    if args.leader_index:
        leader_index(args)
    elif args.kill_pid is not None:
        if args.kill_pid <= 1:
            fail("--kill-pid must be a process id > 1")
        commit_wait(args)
    else:
        run(args)


if __name__ == "__main__":
    main()
