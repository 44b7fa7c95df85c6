import NIOConcurrencyHelpers

/// Tells the transport's owner that a peer refused this node's handshake with a reason (a
/// ``Frame/Kind/refusal`` frame after both sides proved the secret): typically `not a member`, when this
/// node was removed from the cluster (``Transport/onRefusedByPeer(_:)``). Called on the link's event loop,
/// on every refused dial: the handler must be cheap.
final class PeerRefusalNotifier: Sendable {
    private let handler = NIOLockedValueBox<(@Sendable (String, String) -> Void)?>(nil)

    /// Sets the handler (nil: none).
    func set(_ newHandler: (@Sendable (String, String) -> Void)?) {
        handler.withLockedValue { $0 = newHandler }
    }

    /// Reports that `peer` refused this node because of `reason` (as the peer sent it; escape before logging).
    func refused(peer: String, reason: String) {
        handler.withLockedValue { $0 }?(peer, reason)
    }
}
