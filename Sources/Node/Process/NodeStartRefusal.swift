import Raft

/// Why a node refuses to start until the operator says otherwise (exit status 2).
public enum NodeStartRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    /// The log in `directory` lost entries the node may have acknowledged
    /// (``Raft/LogLoss``): it rejoins only with `--accept-log-loss`.
    case logLoss(directory: String, loss: LogLoss)
    /// The node was removed from the cluster (``RemovedMarker`` in `directory`, whose line is `detail`):
    /// its data belongs to a membership it left; it rejoins only as a new member with an empty data directory.
    case removed(directory: String, detail: String)

    /// The setting or file the refusal is about (the subject of the `error:` line).
    public var subject: String {
        switch self {
        case .logLoss(let directory, _): directory
        case .removed(let directory, _): directory
        }
    }

    /// What is wrong and how to go on, in one line.
    public var reason: String {
        switch self {
        case .logLoss(_, let loss):
            "the log lost entries this node may have acknowledged (\(loss); `raftcast wal repair` or a damaged tail);"
                + " start it with --accept-log-loss to let it rejoin: it will not vote or campaign until it has caught up"
        case .removed(_, let detail):
            "this node was removed from the cluster (\(detail)); it does not start on this data: to rejoin,"
                + " `raftcast members add` it again and start it with an empty data_dir"
        }
    }

    public var description: String { "\(subject): \(reason)" }
}
