import Logging
import NIOConcurrencyHelpers
import RaftcastClient

/// The peers that refused this node's handshake with a reason, recently (`Transport.onRefusedByPeer`):
/// `not a member` when this node was removed from the cluster while it was down, or was started before
/// `raftcast members add` named it. The node says so — one `warning` line per peer and reason (again at
/// most once a minute), and the ``notice`` of `GET /v1/cluster` and `raftcast status` — instead of
/// redialing silently. Nothing is persisted: a node refused now may be added later.
///
/// Thread-safe: refusals arrive on transport threads, the notice is read by HTTP handlers.
public final class PeerRefusals: Sendable {
    /// How long a refusal shows in the notice after the last one from that peer.
    public static let shownFor: Duration = .seconds(10)
    /// How often the same refusal is logged again.
    public static let relogAfter: Duration = .seconds(60)

    private struct Entry {
        var reason: String
        var last: ContinuousClock.Instant
        var logged: ContinuousClock.Instant
    }

    private let entries = NIOLockedValueBox<[String: Entry]>([:])
    private let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Records that `peer` refused this node because of `reason` (as the peer sent it).
    public func refused(peer: String, reason: String, now: ContinuousClock.Instant = .now) {
        let reason = UntrustedText.escaped(String(reason.prefix(200)))
        let log = entries.withLockedValue { entries -> Bool in
            let old = entries[peer]
            let log = old == nil || old!.reason != reason || now - old!.logged >= Self.relogAfter
            entries[peer] = Entry(reason: reason, last: now, logged: log ? now : old!.logged)
            return log
        }
        if log { logger.warning("refused by \(peer): \(reason)") }
    }

    /// `refused by n1, n2: not a member` for the refusals of the last ``shownFor``, nil when none.
    public func notice(now: ContinuousClock.Instant = .now) -> String? {
        let recent = entries.withLockedValue { $0.filter { now - $0.value.last < Self.shownFor } }
        guard !recent.isEmpty else { return nil }
        let byReason = Dictionary(grouping: recent.keys.sorted()) { recent[$0]!.reason }
        return byReason.keys.sorted().map { "refused by \(byReason[$0]!.joined(separator: ", ")): \($0)" }.joined(separator: "; ")
    }
}
