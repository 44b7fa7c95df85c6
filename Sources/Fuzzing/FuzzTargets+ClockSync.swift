import Broadcast
import NIOCore
import Node

extension FuzzTargets {
    /// Node's clock-sync codec: decode; an accepted message is canonical, and its times lie within
    /// ±2⁶¹ ns so that a `ClockSample` of it cannot overflow.
    static func clockSync() -> FuzzTarget {
        let messages: [ClockSyncMessage] = [
            .probe(ClockSyncProbe(id: 1, clientSend: .nanoseconds(123_456_789))),
            .probe(ClockSyncProbe(id: .max, clientSend: .nanoseconds(-5))),
            .response(
                ClockSyncResponse(
                    id: 42, clientSend: .nanoseconds(1_000_000), serverReceive: ClusterTime(nanoseconds: 7_000_000_000),
                    serverSend: ClusterTime(nanoseconds: 7_000_050_000), serverErrorBound: .nanoseconds(250_000))),
            .response(
                ClockSyncResponse(
                    id: 0, clientSend: .zero, serverReceive: ClusterTime(nanoseconds: -1),
                    serverSend: ClusterTime(nanoseconds: 0), serverErrorBound: .zero)),
        ]
        let seeds = messages.map { message in
            var l = FuzzLayout()
            l.fields(2, 1)
            if case .probe = message { l.fields(2, 8) } else { l.fields(5, 8) }
            return FuzzSeed(name: "\(message)".prefix(20).description, bytes: Array(buffer: ClockSyncCodec.encode(message)), fields: l.fields)
        }
        let limit = ClockSyncCodec.maximumTimeMagnitude
        return FuzzTarget(
            name: "clock-sync", summary: "Node clock-sync codec: ClockSyncCodec.decode", seeds: seeds,
            check: { input throws(FuzzViolation) in
                let message: ClockSyncMessage
                do throws(ClockSyncCodecError) {
                    message = try ClockSyncCodec.decode(input)
                } catch {
                    return .rejected
                }
                let again = Array(buffer: ClockSyncCodec.encode(message))
                try FuzzViolation.require(again == input, "an accepted clock-sync message re-encodes to other bytes")
                if case .response(let r) = message {
                    let times = [r.clientSend.wholeNanoseconds, r.serverReceive.nanoseconds, r.serverSend.nanoseconds,
                                 r.serverErrorBound.wholeNanoseconds]
                    try FuzzViolation.require(times.allSatisfy { $0 > -limit && $0 < limit }, "a time beyond ±2^61 ns was accepted")
                    try FuzzViolation.require(r.serverErrorBound >= .zero, "a negative error bound was accepted")
                    // What the client computes from it (ClockSample's arithmetic must not overflow).
                    let sample = ClockSample(response: r, receivedAt: r.clientSend + .milliseconds(3))
                    _ = (sample.offsetNanoseconds, sample.delayNanoseconds, sample.midpoint)
                }
                return .accepted
            })
    }
}
