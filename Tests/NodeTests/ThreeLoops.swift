import Broadcast
import Foundation
import Logging
import Node
import Raft
import RaftcastClient
import TestSupport

/// Three Raft loops in the test's process, each with an in-memory log, passing messages to each other
/// directly (no sockets), on one ``SteppedClusterTime``: a real cluster of `RaftLoop`s whose nodes a test
/// can stop one by one. The caller calls ``stop()`` in its tear-down.
final class ThreeLoops: Sendable {
    /// One member.
    struct Node: Sendable {
        let id: String
        let loop: RaftLoop
        let metrics: NodeMetrics
        let storage: MemoryStorage

        /// Stops the member's loop and waits until its thread has ended.
        func stop() async {
            loop.requestStop()
            await loop.waitUntilStopped()
        }
    }

    /// Who receives what is sent to a Raft id (a stopped member's mailbox refuses it).
    private final class Routes: @unchecked Sendable {
        private let lock = NSLock()
        private var loops: [NodeID: RaftLoop] = [:]

        func set(_ loop: RaftLoop, for id: NodeID) {
            lock.lock()
            defer { lock.unlock() }
            loops[id] = loop
        }

        func loop(for id: NodeID) -> RaftLoop? {
            lock.lock()
            defer { lock.unlock() }
            return loops[id]
        }
    }

    let nodes: [Node]
    let time: SteppedClusterTime

    private init(nodes: [Node], time: SteppedClusterTime) {
        self.nodes = nodes
        self.time = time
    }

    /// Writes a three-member `cluster.yaml` (n1, n2, n3; `settings` are extra lines of its `cluster:`
    /// section) into `directory` and starts the three loops.
    static func start(in directory: URL, settings: [String] = []) throws -> ThreeLoops {
        try PrivateFile.write("three-loops-secret-0123456789abcdef", to: directory.appendingPathComponent("cluster.secret").path)
        let yaml = """
            cluster:
              name: three-loops
              secret_file: cluster.secret
              heartbeat_ms: 20
              election_timeout_ms: [60, 120]
            \(settings.map { "  \($0)\n" }.joined())nodes:
              - {id: n1, raft: "127.0.0.1:1", http: "127.0.0.1:2", data_dir: n1}
              - {id: n2, raft: "127.0.0.1:3", http: "127.0.0.1:4", data_dir: n2}
              - {id: n3, raft: "127.0.0.1:5", http: "127.0.0.1:6", data_dir: n3}
            """
        let path = directory.appendingPathComponent("cluster.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let cluster = try ClusterConfig.load(path: path)
        let routes = Routes()
        let time = SteppedClusterTime()
        var nodes: [Node] = []
        for (i, member) in cluster.nodes.enumerated() {
            let storage = MemoryStorage(confState: ConfState(voters: cluster.nodes.map(\.raftID)))
            let driver = try NodeDriver(
                config: NodeRunner.raftConfig(cluster: cluster, member: member, seed: UInt64(i + 1)), storage: storage)
            var logger = Logger(label: "three-loops-\(member.id)")
            logger.logLevel = .critical
            let metrics = NodeMetrics()
            let loop = RaftLoop(
                driver: driver, cluster: cluster, member: member, tickInterval: .milliseconds(20), metrics: metrics,
                logger: logger, clusterTime: time
            ) { message in
                routes.loop(for: message.to)?.deliver(message)
                return true
            }
            routes.set(loop, for: member.raftID)
            nodes.append(Node(id: member.id, loop: loop, metrics: metrics, storage: storage))
        }
        for node in nodes { node.loop.start() }
        return ThreeLoops(nodes: nodes, time: time)
    }

    /// The member of `candidates` that leads, once every one of them agrees on it (bounded wait).
    func leader(among candidates: [Node]) async throws -> Node {
        try await eventually("one of \(candidates.map(\.id)) leads and the others follow it", timeout: .seconds(10)) {
            let reports = candidates.map(\.loop.report)
            guard let leader = reports.first(where: { $0.role == "leader" })?.id,
                reports.allSatisfy({ $0.leader == leader })
            else { return nil }
            return candidates.first { $0.id == leader }
        }
    }

    /// Stops every loop (a stopped one again is harmless).
    func stop() async {
        for node in nodes { await node.stop() }
    }
}
