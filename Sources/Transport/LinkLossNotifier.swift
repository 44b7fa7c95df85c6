import NIOConcurrencyHelpers

/// Tells the transport's owner that an outbound connection to a peer ended or could not be made — the
/// kernel's answer when the peer's process died (its sockets reset, its port refuses). Raft uses it to stop
/// counting on a dead leader before the election timeout (``Transport/onLinkLost(_:)``).
///
/// Called on the link's event loop, for every failure (each redial that is refused calls it again): the
/// handler must be cheap and idempotent.
final class LinkLossNotifier: Sendable {
    private let handler = NIOLockedValueBox<(@Sendable (String, Lane) -> Void)?>(nil)

    /// Sets the handler (nil: none).
    func set(_ newHandler: (@Sendable (String, Lane) -> Void)?) {
        handler.withLockedValue { $0 = newHandler }
    }

    /// Reports that the link of `lane` to `peer` lost its connection.
    func linkLost(peer: String, lane: Lane) {
        handler.withLockedValue { $0 }?(peer, lane)
    }
}
