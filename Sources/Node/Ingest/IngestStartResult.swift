/// What the Raft loop did with an ``IngestRequest``.
public enum IngestStartResult: Sendable, Hashable {
    /// A session runs (new, resumed, or already running for the same source).
    case started
    /// The stream is already complete in the catalogue: nothing to do.
    case alreadyComplete
    /// This node is not the leader (`leader`: the member id of the one it knows).
    case notLeader(leader: String?)
    /// The id belongs to another stream (different source, name or settings), or to a removed one.
    case conflict(String)
    /// The file could not be opened for cutting.
    case failed(String)
}
