import Broadcast

/// One clock-sync message on the transport's control lane: a probe from a node that takes cluster
/// time from a peer, or that peer's answer (docs/playback-sync.md §2). Encoded by ``ClockSyncCodec``.
public enum ClockSyncMessage: Hashable, Sendable {
    /// A client asks for the server's cluster time.
    case probe(ClockSyncProbe)
    /// The server's answer.
    case response(ClockSyncResponse)
}
