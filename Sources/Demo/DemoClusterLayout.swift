import RaftcastClient

/// The cluster the demo runs on one machine: N nodes on loopback, each with its own raft and HTTP
/// port and data folder inside the demo's working folder, and its audio device.
///
/// ```
/// <work>/cluster.yaml      what ``yaml`` returns
/// <work>/cluster.secret    the shared secret (written by the command)
/// <work>/data/nK/          node K's WAL, snapshots and play-log.jsonl
/// <work>/nK.wav            what node K played (--audio file)
/// <work>/nK.log            node K's stderr
/// ```
public struct DemoClusterLayout: Sendable, Hashable {
    /// One node's addresses and files.
    public struct Node: Sendable, Hashable {
        /// `n1` …
        public var id: String
        /// Loopback port of its transport.
        public var raftPort: Int
        /// Loopback port of its HTTP API.
        public var httpPort: Int
        /// Its `audio:` value.
        public var audioDevice: String
        /// Its data folder (absolute).
        public var dataDirectory: String
        /// Its WAV capture, when capturing to files.
        public var captureFile: String?
    }

    /// The working folder.
    public var directory: String
    /// The nodes, in id order.
    public var nodes: [Node]
    /// The secret file's name inside ``directory``.
    public static let secretFileName = "cluster.secret"
    /// The configuration's name inside ``directory``.
    public static let configFileName = "cluster.yaml"
    /// The cluster's playout delay: every node plays this far behind the leader's ingest.
    public static let playoutDelayMilliseconds = ClusterConfig.Defaults.playoutDelayMilliseconds

    /// Lays out `options.nodeCount` nodes in `directory` with the given free ports (two per node:
    /// raft ports first, then HTTP ports).
    public init(options: DemoOptions, directory: String, ports: [Int]) {
        precondition(ports.count >= 2 * options.nodeCount, "two ports per node")
        self.directory = directory
        nodes = options.nodeIDs.enumerated().map { index, id in
            Node(
                id: id, raftPort: ports[index], httpPort: ports[options.nodeCount + index],
                audioDevice: options.audio.device(forNode: id, directory: directory),
                dataDirectory: directory + "/data/" + id,
                captureFile: options.audio == .fileCapture ? options.audio.captureFile(forNode: id, directory: directory) : nil)
        }
    }

    /// The path of cluster.yaml.
    public var configPath: String { directory + "/" + Self.configFileName }

    /// The node with id `id`.
    public func node(_ id: String) -> Node? { nodes.first { $0.id == id } }

    /// The text of cluster.yaml.
    public var yaml: String {
        var text = """
            # Written by `raftcast demo`: \(nodes.count) nodes on this machine (loopback).
            cluster:
              name: raftcast-demo
              secret_file: \(Self.secretFileName)
              heartbeat_ms: 50
              election_timeout_ms: [150, 300]
              fragment_seconds: 2.0
              playout_delay_ms: \(Self.playoutDelayMilliseconds)
            nodes:

            """
        for node in nodes {
            text += """
                  - id: \(node.id)
                    raft: 127.0.0.1:\(node.raftPort)
                    http: 127.0.0.1:\(node.httpPort)
                    audio: "\(node.audioDevice)"
                    data_dir: data/\(node.id)

                """
        }
        return text
    }
}
