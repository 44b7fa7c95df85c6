import Broadcast

/// A ``ClusterTimeSource`` that also hands out its ``ClusterClock``, for the playback engine
/// (`PlaybackEngine.clusterClock`), which maps between local and cluster time both ways.
///
/// The clock's local side is the node's monotonic clock (CLOCK_MONOTONIC, `SystemMonotonicClock`),
/// the clock the engine runs on. ``ClockSyncService`` is the node's.
public protocol ClusterClockSource: ClusterTimeSource {
    /// The current cluster clock.
    var clusterClock: ClusterClock { get }
}
