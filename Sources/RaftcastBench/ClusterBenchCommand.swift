import ArgumentParser
import Foundation
import NIOConcurrencyHelpers
import RaftcastClient

/// `raftcast-bench cluster`: a small load generator that commits values of one
/// size at a fixed concurrency against a running raftcast cluster (through
/// `/v1/debug/propose` on the leader; its nodes must run with `--enable-debug-propose`), each worker over
/// its own persistent (keep-alive) connection, and prints throughput and commit latency percentiles as one
/// `key=value` line. etcd is driven over gRPC by `scripts/lib/etcd_grpc_bench.py` (same output line);
/// `--target etcd-gateway` still drives etcd's HTTP/JSON gateway (`/v3/kv/put`, values in base64), a
/// handicapped peer kept only to reproduce the old figures.
struct ClusterBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Commit values against a raftcast or etcd cluster; print MB/s and latency p50/p99.")

    enum Target: String, ExpressibleByArgument { case raftcast, etcdGateway = "etcd-gateway" }

    @Option(help: "raftcast or etcd-gateway (etcd over gRPC: scripts/lib/etcd_grpc_bench.py).")
    var target: Target = .raftcast

    @Option(help: "Comma-separated host:port of every member's HTTP (raftcast) or client (etcd) endpoint.")
    var endpoints: String

    @Option(name: .customLong("secret-file"), help: "raftcast: the cluster secret file (for the admin token).")
    var secretFile: String?

    @Option(name: .customLong("value-size"), help: "Bytes per value.")
    var valueSize: Int = 256 << 10

    @Option(help: "Requests in flight at once.")
    var concurrency: Int = 1

    @Option(help: "Values to commit in total.")
    var count: Int = 100

    func validate() throws {
        guard valueSize > 0, concurrency > 0, count > 0 else {
            throw ValidationError("--value-size, --concurrency and --count must be positive")
        }
        if target == .raftcast && secretFile == nil { throw ValidationError("--secret-file is required for raftcast") }
    }

    func run() throws {
        let members = endpoints.split(separator: ",").map { String($0) }
        let client = try BenchClient(target: target, endpoints: members, secretFile: secretFile)
        var random = SystemRandomNumberGenerator()
        let value = (0..<valueSize).map { _ in UInt8.random(in: 0...255, using: &random) }
        let latencies = NIOLockedValueBox([Double]())
        let failures = NIOLockedValueBox(0)
        let next = NIOLockedValueBox(0)
        let start = ContinuousClock.now
        let connects = NIOLockedValueBox(0)
        // One thread per worker: DispatchQueue.concurrentPerform would run only as many workers at once as
        // there are cores (2 here), so "concurrency 8" would have been 2 requests in flight.
        runOnThreads(concurrency) { worker in
            let connections = BenchConnections(endpoints: client.endpoints)
            defer { connects.withLockedValue { $0 += connections.connects } }
            while true {
                let i = next.withLockedValue { n -> Int in
                    defer { n += 1 }
                    return n
                }
                guard i < count else { return }
                let began = ContinuousClock.now
                if client.commit(key: "bench/\(worker)/\(i % 64)", value: value, over: connections) {
                    let elapsed = began.duration(to: .now)
                    latencies.withLockedValue { $0.append(elapsed.milliseconds) }
                } else {
                    failures.withLockedValue { $0 += 1 }
                }
            }
        }
        let seconds = start.duration(to: .now).milliseconds / 1000
        let sorted = latencies.withLockedValue { $0 }.sorted()
        func percentile(_ p: Double) -> Double {
            sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)]
        }
        let megabytes = Double(sorted.count * valueSize) / 1_048_576
        print(String(format: "target=%@ value_size=%d concurrency=%d ok=%d failed=%d seconds=%.3f mb_per_s=%.2f p50_ms=%.2f p99_ms=%.2f connects=%d",
                     target.rawValue, valueSize, concurrency, sorted.count, failures.withLockedValue { $0 }, seconds,
                     megabytes / seconds, percentile(0.50), percentile(0.99), connects.withLockedValue { $0 }))
        if failures.withLockedValue({ $0 }) > count / 10 { throw ExitCode(1) }
    }
}

/// Runs `body(0..<count)` on `count` threads of their own, all at once; returns when every one has.
func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let done = DispatchGroup()
    for worker in 0..<count {
        done.enter()
        let thread = Thread {
            body(worker)
            done.leave()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
    done.wait()
}

/// `raftcast-bench commit-wait`: proposes a small value to every raftcast
/// member in turn until one commits it; prints the milliseconds that took
/// (with `--kill-pid`, from the SIGKILL of the leader it sends first).
struct CommitWaitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commit-wait", abstract: "Milliseconds until a raftcast cluster commits a value.")

    @Option(help: "Comma-separated host:port of every member's HTTP endpoint.")
    var endpoints: String

    @Option(name: .customLong("secret-file"), help: "The cluster secret file.")
    var secretFile: String

    @Option(name: .customLong("timeout-ms"), help: "Give up after this long.")
    var timeoutMs: Int = 10_000

    @Option(name: .customLong("kill-pid"), help: "SIGKILL this process first and time from the kill (failover).")
    var killPID: Int32?

    func run() throws {
        let client = try BenchClient(target: .raftcast, endpoints: endpoints.split(separator: ",").map { String($0) },
                                     secretFile: secretFile)
        let start = ContinuousClock.now
        if let killPID, kill(killPID, SIGKILL) != 0 {
            throw ValidationError("cannot kill process \(killPID)")
        }
        let deadline = start + .milliseconds(timeoutMs)
        while ContinuousClock.now < deadline {
            if client.commitAnywhere(value: Array("failover-probe".utf8)) {
                print(String(format: "%.1f", start.duration(to: .now).milliseconds))
                return
            }
            usleep(2_000)
        }
        print("timeout")
        throw ExitCode(1)
    }
}

/// Commits values to the cluster's leader over HTTP, rediscovering the leader when it changes.
final class BenchClient: Sendable {
    let target: ClusterBenchCommand.Target
    let endpoints: [(host: String, port: Int)]
    let token: String
    let leader = NIOLockedValueBox<Int?>(nil)

    init(target: ClusterBenchCommand.Target, endpoints: [String], secretFile: String?) throws {
        self.target = target
        self.endpoints = try endpoints.map { text in
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
                throw ValidationError("bad endpoint \(text) (want host:port)")
            }
            return (String(text[..<colon]), port)
        }
        if let secretFile {
            let secret = try String(contentsOfFile: secretFile, encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            token = AdminToken.token(secret: Array(secret.utf8))
        } else {
            token = ""
        }
    }

    /// Commits one value at the leader over the worker's kept connections; true on success.
    func commit(key: String, value: [UInt8], over connections: BenchConnections) -> Bool {
        for _ in 0..<20 {
            guard let index = leader.withLockedValue({ $0 }) ?? findLeader() else {
                usleep(20_000)
                continue
            }
            let ok: Bool
            switch target {
            case .raftcast:
                ok = post(connections[index], path: "/v1/debug/propose", body: value, timeout: .seconds(10))
            case .etcdGateway:
                ok = post(connections[index], path: "/v3/kv/put", body: Self.etcdPut(key: key, value: value),
                          timeout: .seconds(10))
            }
            if ok { return true }
            leader.withLockedValue { $0 = nil }
        }
        return false
    }

    /// Tries every member once with a short timeout; true when one committed the value.
    func commitAnywhere(value: [UInt8]) -> Bool {
        for index in endpoints.indices where post(index, path: "/v1/debug/propose", body: value, timeout: .milliseconds(300)) {
            return true
        }
        return false
    }

    private var headers: [String: String] {
        var headers = ["Content-Type": target == .etcdGateway ? "application/json" : "application/octet-stream"]
        if target == .raftcast { headers["Authorization"] = "Bearer \(token)" }
        return headers
    }

    /// One request on a new connection (commit-wait: a member may just have died).
    private func post(_ index: Int, path: String, body: [UInt8], timeout: Duration) -> Bool {
        let (host, port) = endpoints[index]
        guard let response = try? HTTPFetch.request(
            host: host, port: port, method: "POST", path: path, headers: headers, body: body, timeout: timeout)
        else { return false }
        return response.status == 200
    }

    /// One request on a kept connection.
    private func post(_ connection: HTTPKeepAliveConnection, path: String, body: [UInt8], timeout: Duration) -> Bool {
        guard let response = try? connection.request(
            method: "POST", path: path, headers: headers, body: body, timeout: timeout)
        else {
            connection.disconnect()
            return false
        }
        return response.status == 200
    }

    private func findLeader() -> Int? {
        for index in endpoints.indices {
            let (host, port) = endpoints[index]
            switch target {
            case .raftcast:
                guard let response = try? HTTPFetch.request(host: host, port: port, path: "/v1/cluster", timeout: .seconds(1)),
                      let report = try? JSONDecoder().decode(ClusterStatusReport.self, from: Data(response.body)),
                      report.role == "leader"
                else { continue }
            case .etcdGateway:
                guard let response = try? HTTPFetch.request(
                    host: host, port: port, method: "POST", path: "/v3/maintenance/status", body: Array("{}".utf8),
                    timeout: .seconds(1)),
                      let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
                      let header = object["header"] as? [String: Any],
                      let member = header["member_id"] as? String, let leaderID = object["leader"] as? String,
                      member == leaderID
                else { continue }
            }
            leader.withLockedValue { $0 = index }
            return index
        }
        return nil
    }

    static func etcdPut(key: String, value: [UInt8]) -> [UInt8] {
        let body = "{\"key\":\"\(Data(key.utf8).base64EncodedString())\",\"value\":\"\(Data(value).base64EncodedString())\"}"
        return Array(body.utf8)
    }
}

extension Duration {
    var milliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}
