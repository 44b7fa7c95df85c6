import NIOCore

/// One payload received from an authenticated peer.
public struct InboundMessage: Sendable {
    /// The sending node's id.
    public var from: String
    /// The lane it came on.
    public var lane: Lane
    /// The payload: a slice of the received frame, not a copy.
    public var payload: ByteBuffer
}
