import Broadcast
import Foundation
import Logging
import Node
import Raft
import RaftcastClient
import TestSupport

/// A one-node cluster whose Raft loop runs in the test's process (in-memory log), leading: what the
/// in-process HTTP route tests serve their router from. The caller stops `loop` in its tear-down.
struct InProcessNode {
    let cluster: ClusterConfig
    let loop: RaftLoop
    /// The metrics the loop records into (hand them to the API to serve them).
    let metrics: NodeMetrics

    /// Writes `cluster.yaml` and the secret into `directory`, starts the loop and waits (bounded) until
    /// it leads.
    /// `settings` are extra lines of cluster.yaml's `cluster:` section (e.g. `max_upload_mb: 1`).
    /// The log is in memory unless `storage` is given (e.g. a `DurableLogStorage`).
    static func start(
        in directory: URL, secret: String, name: String, settings: [String] = [],
        storage: (any MutableLogStorage)? = nil, snapshotPolicy: SnapshotPolicy = SnapshotPolicy(),
        clusterTime: any ClusterTimeSource = FixedClusterTime()
    ) throws -> InProcessNode {
        let cluster = try writeConfig(in: directory, secret: secret, name: name, settings: settings)
        let member = cluster.nodes[0]
        let driver = try NodeDriver(
            config: NodeRunner.raftConfig(cluster: cluster, member: member, seed: 1),
            storage: storage ?? MemoryStorage(confState: ConfState(voters: [member.raftID])),
            snapshotPolicy: snapshotPolicy, members: MemberDirectory(bootstrap: cluster))
        var logger = Logger(label: "\(name)-test")
        logger.logLevel = .critical
        let uploads = directory.appendingPathComponent("uploads").path
        try FileManager.default.createDirectory(atPath: uploads, withIntermediateDirectories: true)
        let metrics = NodeMetrics()
        let loop = RaftLoop(
            driver: driver, cluster: cluster, member: member, tickInterval: .milliseconds(20), metrics: metrics,
            logger: logger, clusterTime: clusterTime, uploadDirectory: uploads
        ) { _ in true }
        loop.start()
        do {
            try eventually("the one-node loop leads", timeout: .seconds(10)) { loop.report.role == "leader" }
        } catch {
            loop.requestStop()
            throw error
        }
        return InProcessNode(cluster: cluster, loop: loop, metrics: metrics)
    }

    /// Writes the one-node `cluster.yaml` (member `n1`) and its secret into `directory`; returns it loaded.
    static func writeConfig(in directory: URL, secret: String, name: String, settings: [String] = []) throws -> ClusterConfig {
        try PrivateFile.write(secret, to: directory.appendingPathComponent("cluster.secret").path)
        let yaml = """
            cluster:
              name: \(name)
              secret_file: cluster.secret
              heartbeat_ms: 20
              election_timeout_ms: [60, 120]
            \(settings.map { "  \($0)\n" }.joined())nodes:
              - {id: n1, raft: "127.0.0.1:1", http: "127.0.0.1:2", data_dir: data}
            """
        let configPath = directory.appendingPathComponent("cluster.yaml").path
        try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
        return try ClusterConfig.load(path: configPath)
    }
}

/// Cluster time that is always synchronized: the epoch plus the process's monotonic time.
struct FixedClusterTime: ClusterTimeSource {
    func clusterNow() -> ClusterTime? {
        ClusterTime(nanoseconds: Int64(DispatchTime.now().uptimeNanoseconds))
    }
}
