import Audio
import Broadcast

/// Cluster time read straight from this machine's monotonic clock (`CLOCK_MONOTONIC`, shared by every process
/// on the machine). Exact for nodes that all run on one machine (tests, benchmarks); a cluster spread over a
/// LAN uses the clock-sync service instead.
public struct HostMonotonicTimeSource: ClusterTimeSource {
    private let clock = SystemMonotonicClock()

    /// A source.
    public init() {}

    /// The machine's monotonic time as cluster time.
    public func clusterNow() -> ClusterTime? { ClusterTime.zero + clock.now }
}
