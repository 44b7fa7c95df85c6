import NIOConcurrencyHelpers
import NIOCore

/// The transport's current ``PayloadStamper`` (none until ``Transport/setPayloadStamper(_:)``), shared by the
/// links that write and the connections that read.
final class PayloadStamping: Sendable {
    private let stamper = NIOLockedValueBox<(any PayloadStamper)?>(nil)

    /// Sets the stamper (nil: none).
    func set(_ newStamper: (any PayloadStamper)?) {
        stamper.withLockedValue { $0 = newStamper }
    }

    /// The stamper's ``PayloadStamper/stampOutgoing(_:to:lane:)`` for a single-part payload (parts: false).
    /// The array and the bytes are copied only when the stamper changes them.
    func stampOutgoing(_ payload: inout [ByteBuffer], to peer: String, lane: Lane) -> Bool {
        guard payload.count == 1, let stamper = stamper.withLockedValue({ $0 }) else { return false }
        var part = payload[0]
        guard stamper.stampOutgoing(&part, to: peer, lane: lane) else { return false }
        payload[0] = part
        return true
    }

    /// The stamper's ``PayloadStamper/stampIncoming(_:from:lane:)`` (nil without a stamper).
    func stampIncoming(_ payload: ByteBuffer, from peer: String, lane: Lane) -> Int64? {
        stamper.withLockedValue { $0 }?.stampIncoming(payload, from: peer, lane: lane)
    }
}
