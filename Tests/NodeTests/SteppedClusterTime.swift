import Broadcast
import Foundation
import Node
import Synchronization

/// Cluster time that is always synchronized and that a test moves forward at will: the process's
/// monotonic time plus an offset ``advance(by:)`` adds to, so a test sees streams play out without
/// waiting for them.
final class SteppedClusterTime: ClusterTimeSource, Sendable {
    private let offset = Mutex<Duration>(.zero)

    /// Moves cluster time `interval` forward.
    func advance(by interval: Duration) { offset.withLock { $0 += interval } }

    func clusterNow() -> ClusterTime? {
        ClusterTime(nanoseconds: Int64(DispatchTime.now().uptimeNanoseconds)) + offset.withLock { $0 }
    }
}
