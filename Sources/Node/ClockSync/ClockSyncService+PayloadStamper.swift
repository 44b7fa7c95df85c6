import NIOCore
import Transport

/// Clock sync's timestamps where the bytes meet the socket (docs/playback-sync.md §2): the transport calls
/// these on its event loops for every payload (``Transport/setPayloadStamper(_:)``), so the hops between the
/// event loop and this service's task — tens to hundreds of microseconds on a loaded machine, and not the
/// same both ways — stay out of the exchange's four timestamps:
/// - a probe's t0 (client send) and a response's t2 (server send, in cluster time) are overwritten right
///   before the bytes are written;
/// - every clock-sync payload's arrival is stamped in `channelRead` (the server's t1, the client's t3), and
///   ``receive(_:from:arrivedAt:)`` uses that stamp.
/// Only control-lane payloads that are exactly one encoded probe or response are changed (``ClockSyncCodec``
/// checks format, kind and length); anything else passes untouched.
extension ClockSyncService: PayloadStamper {
    public func stampOutgoing(_ payload: inout ByteBuffer, to peer: String, lane: Lane) -> Bool {
        guard lane == .control, ClockSyncCodec.isClockSync(payload) else { return false }
        let now = localClock.now
        switch payload.getInteger(at: payload.readerIndex + 1, as: UInt8.self) {
        case ClockSyncCodec.probeKind:
            return ClockSyncCodec.stampClientSend(now, into: &payload)
        case ClockSyncCodec.responseKind:
            guard let time = clusterTime(at: now) else { return false }
            return ClockSyncCodec.stampServerSend(time, into: &payload)
        default:
            return false
        }
    }

    public func stampIncoming(_ payload: ByteBuffer, from peer: String, lane: Lane) -> Int64? {
        guard lane == .control, ClockSyncCodec.isClockSync(payload) else { return nil }
        return localClock.now.wholeNanoseconds
    }
}
