import Raft

/// Why a node refuses to start until the operator says otherwise (exit status 2).
public enum NodeStartRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    /// The log in `directory` lost entries the node may have acknowledged
    /// (``Raft/LogLoss``): it rejoins only with `--accept-log-loss`.
    case logLoss(directory: String, loss: LogLoss)

    /// The setting or file the refusal is about (the subject of the `error:` line).
    public var subject: String {
        switch self {
        case .logLoss(let directory, _): directory
        }
    }

    /// What is wrong and how to go on, in one line.
    public var reason: String {
        switch self {
        case .logLoss(_, let loss):
            "the log lost entries this node may have acknowledged (\(loss); `raftcast wal repair` or a damaged tail);"
                + " start it with --accept-log-loss to let it rejoin: it will not vote or campaign until it has caught up"
        }
    }

    public var description: String { "\(subject): \(reason)" }
}
