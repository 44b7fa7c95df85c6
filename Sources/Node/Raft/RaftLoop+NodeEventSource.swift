import Broadcast

/// The Raft loop is the node's source of committed changes (``subscribe(_:)``,
/// ``fragmentRecord(atLogIndex:)``) for its playback service.
extension RaftLoop: NodeEventSource {}
