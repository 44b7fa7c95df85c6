import Broadcast

/// This node's view of cluster time; thread-safe (contracts.md). ``ClockSyncService`` is the node's;
/// tests use fixed clocks.
///
/// The ``clusterClock``'s local side is the node's monotonic clock (CLOCK_MONOTONIC,
/// `SystemMonotonicClock`), the same clock the playback engine runs on.
public protocol ClusterTimeSource: Sendable {
    /// Cluster time now, nil while not synchronized.
    func clusterNow() -> ClusterTime?
    /// The current ClusterClock (for PlaybackEngine.clusterClock), mapping local monotonic time to cluster time.
    var clusterClock: ClusterClock { get }
}
