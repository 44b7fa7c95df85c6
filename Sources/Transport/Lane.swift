/// The two connections kept to every peer. Small, latency-critical messages
/// (heartbeats, votes) travel on ``control``; entries and snapshots on
/// ``bulk``, so they can never delay the former.
public enum Lane: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case control = 0
    case bulk = 1

    public var description: String {
        switch self {
        case .control: "control"
        case .bulk: "bulk"
        }
    }
}
