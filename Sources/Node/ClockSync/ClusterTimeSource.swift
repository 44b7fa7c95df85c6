import Broadcast

/// This node's view of cluster time (the timeline every node plays against), thread-safe. The node's
/// clock-sync service provides it; the leader's ingest reads it to fix stream starts and pace fragments.
public protocol ClusterTimeSource: Sendable {
    /// Cluster time now; nil while this node is not synchronized.
    func clusterNow() -> ClusterTime?
}
