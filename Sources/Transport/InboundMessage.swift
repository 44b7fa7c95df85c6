import NIOCore

/// One payload received from an authenticated peer.
public struct InboundMessage: Sendable {
    /// The sending node's id.
    public var from: String
    /// The lane it came on.
    public var lane: Lane
    /// The payload: a slice of the received frame, not a copy.
    public var payload: ByteBuffer
    /// The transport's ``PayloadStamper``'s arrival stamp, taken when the frame was read; nil when it
    /// did not stamp this payload (or there is none).
    public var stamp: Int64? = nil
}
