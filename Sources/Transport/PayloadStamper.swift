import NIOCore

/// Stamps chosen payloads with a local clock where their bytes meet the socket, on the connection's event
/// loop (``Transport/setPayloadStamper(_:)``): a time exchange (clock sync) measured there leaves out the hops
/// between the sender's thread and the event loop, and between the event loop and the receiver's task, which
/// are neither short nor the same both ways on a loaded machine.
///
/// - Outgoing: ``stampOutgoing(_:to:lane:)`` runs on the link's event loop right before a single-part payload
///   is written (after any wait in the link's queue, and after the connection was made); it may overwrite
///   bytes of the payload in place (never change its length), e.g. a send time. A payload it stamped is
///   flushed at once.
/// - Incoming: ``stampIncoming(_:from:lane:)`` runs in the connection's `channelRead`, before the payload is
///   handed to the lane's sequence; what it returns travels with the message (``InboundMessage/stamp``).
///
/// Both run on event-loop threads for every payload of every lane: they must be cheap and must not block.
/// The transport knows nothing of what the payloads mean; the stamper must check them (they are hostile bytes).
public protocol PayloadStamper: Sendable {
    /// Stamps `payload`, about to be written to `peer` on `lane`, in place; true when it changed it.
    func stampOutgoing(_ payload: inout ByteBuffer, to peer: String, lane: Lane) -> Bool
    /// The arrival stamp of `payload`, just read from `peer` on `lane`; nil for payloads it does not stamp.
    func stampIncoming(_ payload: ByteBuffer, from peer: String, lane: Lane) -> Int64?
}
