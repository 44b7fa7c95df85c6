import Foundation
import Node
import RaftcastClient
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Real `raftcast node` processes on loopback, for multi-process tests: a
/// generated cluster.yaml and secret in a temporary folder, free ephemeral
/// ports, one log file per process. Every process is SIGKILLed and reaped by
/// ``shutdown()`` (the tests register it as a teardown block, so it runs even
/// when an assertion fails).
final class LocalCluster: @unchecked Sendable {
    let directory: URL
    let configPath: String
    let ids: [String]
    let raftPorts: [Int]
    let httpPorts: [Int]
    let secret: [UInt8]
    let extraArguments: [String]
    private(set) var processes: [String: Process] = [:]
    private var starts: [String: Int] = [:]
    /// cluster.yaml's `cluster:` section and each node's entry, for ``writeConfig(named:members:)``.
    private let header: String
    private let entries: [String: String]
    /// The configuration each node is started with when it is not cluster.yaml.
    private var configs: [String: String] = [:]

    /// A cluster of `size` nodes; `clusterSettings` are extra lines of the `cluster:` section (each
    /// "key: value"), `nodeSettings(id)` extra lines of a node's entry; `timing` is heartbeat_ms and
    /// election_timeout_ms. With `debugPropose`, every node is started with `--enable-debug-propose`
    /// (``propose(_:leader:)`` and ``proposeRaw(_:via:authorization:)`` need it).
    init(
        size: Int, secret: String = "test-secret-0123456789abcdef", extraArguments: [String] = [],
        debugPropose: Bool = false, clusterSettings: [String] = [],
        timing: (heartbeat: Int, election: ClosedRange<Int>) = (50, 150...300),
        nodeSettings: (String) -> [String] = { _ in [] }
    ) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("raftcast-cluster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        ids = (1...size).map { "n\($0)" }
        let ports = try Self.freePorts(2 * size)
        raftPorts = Array(ports[0..<size])
        httpPorts = Array(ports[size...])
        self.secret = Array(secret.utf8)
        self.extraArguments = extraArguments + (debugPropose ? ["--enable-debug-propose"] : [])
        try PrivateFile.write(secret, to: directory.appendingPathComponent("cluster.secret").path)
        var yaml = """
            cluster:
              name: test-cluster
              secret_file: cluster.secret
              heartbeat_ms: \(timing.heartbeat)
              election_timeout_ms: [\(timing.election.lowerBound), \(timing.election.upperBound)]

            """
        for line in clusterSettings { yaml += "  \(line)\n" }
        yaml += "nodes:\n"
        header = yaml
        var entries: [String: String] = [:]
        for (i, id) in ids.enumerated() {
            var entry = """
                  - id: \(id)
                    raft: 127.0.0.1:\(raftPorts[i])
                    http: 127.0.0.1:\(httpPorts[i])
                    data_dir: data/\(id)

                """
            for line in nodeSettings(id) { entry += "    \(line)\n" }
            entries[id] = entry
            yaml += entry
        }
        self.entries = entries
        configPath = directory.appendingPathComponent("cluster.yaml").path
        try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Writes `name` (next to cluster.yaml) naming only `members` and makes it the configuration they start
    /// with: a cluster founded by them, which the others join later (`raftcast members add`, each started
    /// with cluster.yaml, which names it). Returns its path.
    @discardableResult
    func writeConfig(named name: String, members: [String]) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try (header + members.map { entries[$0]! }.joined()).write(toFile: path, atomically: true, encoding: .utf8)
        for id in members { configs[id] = path }
        return path
    }

    /// `count` distinct free TCP ports on 127.0.0.1: all sockets are bound to
    /// port 0 at once (so the kernel hands out distinct ports) and closed
    /// only after every port is known.
    static func freePorts(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw TestFailure(description: "socket failed") }
            sockets.append(fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            guard bound == 0 else { throw TestFailure(description: "bind failed") }
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }

    func index(of id: String) -> Int { ids.firstIndex(of: id)! }

    /// Starts node `id` (again); with `maxOpenFiles`, under `ulimit -n` of that (soft and hard limit);
    /// `environment` is added to this process's environment.
    func start(_ id: String, arguments: [String] = [], maxOpenFiles: Int? = nil, environment: [String: String] = [:]) throws {
        let process = Process()
        let executable = try RaftcastExecutable.path()
        let nodeArguments = ["node", "--config", configs[id] ?? configPath, "--id", id] + extraArguments + arguments
        if let maxOpenFiles {
            // The shell sets both limits and execs the node in its place (same process id).
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -n \(maxOpenFiles) && exec \"$0\" \"$@\"", executable] + nodeArguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = nodeArguments
        }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        starts[id, default: 0] += 1
        let log = directory.appendingPathComponent("\(id)-\(starts[id]!).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? handle.close()
        processes[id] = process
    }

    func startAll() throws { for id in ids { try start(id) } }

    /// Sends `signal` to node `id`.
    func signal(_ id: String, _ signal: Int32) {
        guard let process = processes[id], process.isRunning else { return }
        kill(process.processIdentifier, signal)
    }

    /// SIGKILLs node `id` and reaps it.
    func kill9(_ id: String) {
        guard let process = processes.removeValue(forKey: id) else { return }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        Self.reap(process)
    }

    /// Waits, bounded, for a process that was sent SIGKILL to be seen as ended. Foundation's
    /// `waitUntilExit` can wait for ever when the end was observed elsewhere (a process that had
    /// already crashed); this gives up after `timeout` once the pid is gone or no longer ours.
    static func reap(_ process: Process, timeout: Duration = .seconds(10)) {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            if kill(process.processIdentifier, 0) != 0 && errno == ESRCH { return }
            usleep(5_000)
        }
    }

    /// Sends SIGTERM and waits up to `timeout` for the exit; returns the exit
    /// status, or nil after a timeout (the process is then SIGKILLed).
    func terminate(_ id: String, timeout: Duration) -> Int32? {
        guard let process = processes.removeValue(forKey: id) else { return nil }
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGCONT)
            kill(process.processIdentifier, SIGKILL)
            Self.reap(process)
            return nil
        }
        Self.reap(process)
        guard !process.isRunning else { return nil }
        return process.terminationReason == .exit ? process.terminationStatus : -process.terminationStatus
    }

    /// SIGKILLs and reaps every process; keeps the folder when asked (for post-mortems).
    func shutdown(keepFiles: Bool = false) {
        for id in processes.keys {
            signal(id, SIGCONT)
            kill9(id)
        }
        if !keepFiles { try? FileManager.default.removeItem(at: directory) }
    }

    /// The last lines of every log, for failure messages.
    func logTails(lines: Int = 15) -> String {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.filter { $0.hasSuffix(".log") } ?? []
        return files.sorted().map { name in
            let text = (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
            return "--- \(name)\n" + text.split(separator: "\n").suffix(lines).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// Node `id`'s `/v1/cluster`, or nil when it does not answer.
    func report(_ id: String, timeout: Duration = .milliseconds(500)) -> ClusterStatusReport? {
        guard let response = try? HTTPFetch.request(
            host: "127.0.0.1", port: httpPorts[index(of: id)], path: "/v1/cluster", timeout: timeout),
            response.status == 200
        else { return nil }
        return try? JSONDecoder().decode(ClusterStatusReport.self, from: Data(response.body))
    }

    /// Reports of the given nodes, nil when any does not answer.
    func reports(_ nodes: [String]) -> [ClusterStatusReport]? {
        var result: [ClusterStatusReport] = []
        for id in nodes {
            guard let r = report(id) else { return nil }
            result.append(r)
        }
        return result
    }

    /// Polls `condition` every 50 ms until it returns a value or `timeout` passes.
    func waitFor<T>(_ what: String, timeout: Duration = .seconds(15), _ condition: () -> T?) throws -> T {
        do {
            return try eventually(what, timeout: timeout, interval: .milliseconds(50), condition)
        } catch let timedOut as EventuallyTimedOut {
            throw TestFailure(description: "\(timedOut)\n\(logTails())")
        }
    }

    /// Waits until exactly one of `nodes` is leader and all of them agree on it and its term.
    func waitForLeader(among nodes: [String], timeout: Duration = .seconds(15)) throws -> String {
        try waitFor("one leader among \(nodes)", timeout: timeout) { () -> String? in
            guard let reports = reports(nodes) else { return nil }
            let leaders = reports.filter { $0.role == "leader" }
            guard leaders.count == 1, let leader = leaders.first else { return nil }
            guard reports.allSatisfy({ $0.leader == leader.id && $0.term == leader.term }) else { return nil }
            return leader.id
        }
    }

    /// Waits until `nodes` applied the same entries (same index, count and hash).
    @discardableResult
    func waitForSameState(_ nodes: [String], atLeast index: UInt64 = 0, timeout: Duration = .seconds(20)) throws -> ClusterStatusReport {
        try waitFor("same applied state on \(nodes)", timeout: timeout) { () -> ClusterStatusReport? in
            guard let reports = reports(nodes), let first = reports.first, first.appliedIndex >= index else { return nil }
            let same = reports.allSatisfy {
                $0.appliedIndex == first.appliedIndex && $0.appliedHash == first.appliedHash && $0.appliedCount == first.appliedCount
            }
            return same ? first : nil
        }
    }

    /// The admin bearer token of this cluster.
    var token: String { AdminToken.token(secret: secret) }

    /// POSTs to `/v1/debug/propose` on `id` (the cluster must be made with `debugPropose`).
    /// `authorization` is the header's value (nil: no header); by default the right token.
    func proposeRaw(_ data: [UInt8], via id: String, authorization: String?? = .none) throws -> HTTPFetch.Response {
        var headers: [String: String] = [:]
        switch authorization {
        case .none: headers["Authorization"] = "Bearer \(token)"
        case .some(.some(let value)): headers["Authorization"] = value
        case .some(.none): break
        }
        return try HTTPFetch.request(
            host: "127.0.0.1", port: httpPorts[index(of: id)], method: "POST", path: "/v1/debug/propose",
            headers: headers, body: data, timeout: .seconds(10))
    }

    /// Proposes `data` through whichever of `nodes` leads, again after a leader change (a loaded machine may
    /// hold an election meanwhile; a retry may commit it twice); returns its log index.
    func commit(_ data: [UInt8], among nodes: [String], timeout: Duration = .seconds(15)) throws -> UInt64 {
        try waitFor("a commit among \(nodes)", timeout: timeout) { () -> UInt64? in
            guard let leader = try? waitForLeader(among: nodes, timeout: .seconds(2)) else { return nil }
            return try? propose(data, leader: leader)
        }
    }

    /// Proposes `data` at the leader `leader` and returns the index it was applied at.
    func propose(_ data: [UInt8], leader: String) throws -> UInt64 {
        let response = try proposeRaw(data, via: leader)
        guard response.status == 200,
              let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
              let index = object["index"] as? Int
        else { throw TestFailure(description: "propose answered \(response.status): \(response.text)\n\(logTails())") }
        return UInt64(index)
    }

    /// Sends `method path` to node `id` with the admin token (unless `authorized` is false).
    func http(
        _ id: String, _ method: String = "GET", _ path: String, body: [UInt8] = [], headers: [String: String] = [:],
        authorized: Bool = true, timeout: Duration = .seconds(30)
    ) throws -> HTTPFetch.Response {
        var headers = headers
        if authorized { headers["Authorization"] = "Bearer \(token)" }
        return try HTTPFetch.request(
            host: "127.0.0.1", port: httpPorts[index(of: id)], method: method, path: path, headers: headers, body: body,
            timeout: timeout)
    }

    /// The JSON object node `id` answers to `GET path`, nil when it does not answer 200.
    func json(_ id: String, _ path: String) -> [String: Any]? {
        guard let response = try? http(id, "GET", path, timeout: .seconds(2)), response.status == 200 else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
    }

    /// Node `id`'s `/metrics` text.
    func metrics(_ id: String) throws -> String {
        let response = try HTTPFetch.request(host: "127.0.0.1", port: httpPorts[index(of: id)], path: "/metrics")
        return response.text
    }
}
