import ArgumentParser
import Foundation
import Logging
import Node

/// `raftcast node`: runs one node of the cluster until SIGINT or SIGTERM.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run one node of the cluster (stops cleanly on SIGINT/SIGTERM).")

    @Option(name: .long, help: "The cluster configuration.")
    var config: String = "cluster.yaml"

    @Option(name: .long, help: "This node's id in the configuration (default: the node whose raft address is on this machine).")
    var id: String?

    @Option(name: .customLong("snapshot-entries"), help: "Snapshot after this many applied entries (0: never by count).")
    var snapshotEntries: UInt64 = SnapshotPolicy().entries

    @Option(name: .customLong("snapshot-bytes"), help: "Snapshot after this many applied payload bytes (0: never by size).")
    var snapshotBytes: UInt64 = SnapshotPolicy().bytes

    @Option(name: .customLong("snapshot-keep"), help: "Entries kept in the log behind a snapshot.")
    var snapshotKeep: UInt64 = SnapshotPolicy().keptTail

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Flag(
        name: .customLong("enable-debug-propose"),
        help: "Serve POST /v1/debug/propose (raw log entries, admin token): for tests and benchmarks only.")
    var enableDebugPropose = false

    @Option(name: .customLong("log-format"), help: "Log lines as text or json (one JSON object per line), stamped to the millisecond in UTC.")
    var logFormat: NodeLogHandler.Format = .text

    @Flag(name: .customLong("check"), help: "Check the configuration and this node's entry in it (secret file included), print a summary and exit; nothing is started.")
    var check = false

    @Option(name: .long, help: ArgumentHelp(
        "Join a running cluster through this member's HTTP address (HOST:PORT): with --id, --raft, --http, --data-dir and --secret-file; writes DATA/cluster.yaml.",
        valueName: "host:port"))
    var join: String?

    @Option(name: .long, help: "With --join: this node's node-to-node address, HOST:PORT.")
    var raft: String?

    @Option(name: .long, help: "With --join: this node's HTTP address, HOST:PORT.")
    var http: String?

    @Option(name: .customLong("data-dir"), help: "With --join: this node's data folder (cluster.yaml is written there).")
    var dataDir: String?

    @Option(name: .customLong("secret-file"), help: "With --join: the cluster's secret file.")
    var secretFile: String?

    @Option(name: .long, help: "With --join: the ALSA device to play on (default none).")
    var audio: String?

    @Flag(name: .customLong("accept-log-loss"), help: "Let the node rejoin after its log lost entries it may have acknowledged (after `wal repair`); it does not vote or campaign until it has caught up.")
    var acceptLogLoss = false

    func run() async throws {
        // First of all: a node the demo started exits at once if the demo is already gone.
        try ExitWithParent.applyIfAsked(ProcessInfo.processInfo.environment)
        var config = self.config
        if let join {
            if check { throw CLIFailure.reportingExit(.badInput("--check", "does not go with --join (it would change the cluster)")) }
            guard let id, let raft, let http, let dataDir, let secretFile else {
                throw CLIFailure.reportingExit(.badInput("--join", "needs --id, --raft, --http, --data-dir and --secret-file"))
            }
            config = try NodeJoin(
                join: join, id: id, raft: raft, http: http, dataDirectory: dataDir, secretFile: secretFile, audio: audio
            ).configPath()
        } else if raft != nil || http != nil || dataDir != nil || secretFile != nil || audio != nil {
            throw CLIFailure.reportingExit(.badInput("node", "--raft, --http, --data-dir, --secret-file and --audio go with --join"))
        }
        let cluster = try ClusterConfigFile.load(config)
        let member = try ClusterConfigFile.localMember(cluster, id: id, path: config)
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw CLIFailure.reportingExit(.badInput("--log-level", "unknown level \(logLevel)"))
        }
        if check {
            print("\(config): ok: cluster \(cluster.name), \(cluster.nodes.count) node(s); this node \(member.id): raft \(member.raft), http \(member.http), audio \(member.audioDevice ?? "none"), data_dir \(member.dataDirectory)")
            return
        }
        // Every record escapes its control characters: names, paths and peers' strings cannot forge lines.
        let format = logFormat
        LoggingSystem.bootstrap { label in
            var handler = EscapingLogHandler(wrapping: NodeLogHandler(label: label, format: format))
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "raftcast.node")
        logger.logLevel = level
        let policy = SnapshotPolicy(entries: snapshotEntries, bytes: snapshotBytes, keptTail: snapshotKeep)
        do {
            try await NodeRunner(
                cluster: cluster, member: member, snapshotPolicy: policy, logger: logger,
                enableDebugPropose: enableDebugPropose, acceptLogLoss: acceptLogLoss
            ).run()
        } catch let refusal as NodeStartRefusal {
            throw CLIFailure.reportingExit(.badInput(refusal.subject, refusal.reason))
        } catch {
            throw CLIFailure.reportingExit(.runtime("node \(member.id)", "\(error)"))
        }
    }
}

extension NodeLogHandler.Format: ExpressibleByArgument {}
