/// Everything wrong with a `cluster.yaml`, one problem per line:
///
/// ```
/// error: cluster.yaml: nodes[1].raft: "x" is not host:port (line 14)
/// error: cluster.yaml: cluster.heartbeat_ms: must be a positive integer, got "-5" (line 4)
/// ```
public struct ClusterConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// One problem: where (a key path such as `nodes[1].raft`, empty for the
    /// whole file), what, and the line in the file when known.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// Key path such as `nodes[1].raft`; empty for the whole file.
        public var path: String
        /// What is wrong.
        public var message: String
        /// Line in the file, when known.
        public var line: Int?
        /// The file the problem is in when it is not the configuration itself (the secret file).
        public var file: String?

        /// A problem at `path` (a key path), optionally with its line, in `file` when that is not the
        /// configuration.
        public init(path: String, message: String, line: Int? = nil, file: String? = nil) {
            self.path = path
            self.message = message
            self.line = line
            self.file = file
        }

        public var description: String {
            (path.isEmpty ? "" : "\(path): ") + message + (line.map { " (line \($0))" } ?? "")
        }
    }

    /// The file as the user named it.
    public var file: String
    /// Every problem found, in file order.
    public var problems: [Problem]

    /// The problems found in `file`.
    public init(file: String, problems: [Problem]) {
        self.file = file
        self.problems = problems
    }

    /// One `error: FILE: PATH: MESSAGE` line per problem (FILE: the problem's own file when it has one).
    public var lines: [String] { problems.map { "error: \($0.file ?? file): \($0)" } }

    public var description: String { lines.joined(separator: "\n") }
}
