/// Why a message was not sent.
public enum DropReason: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The lane's outbound queue to the peer is full (bytes or messages).
    case queueFull = "queue_full"
    /// The last attempt to reach the peer failed; the link is waiting to redial.
    case peerUnreachable = "peer_unreachable"
    /// The connection was lost before the message was written.
    case connectionLost = "connection_lost"
    /// The payload is larger than the maximum frame size.
    case tooLarge = "too_large"
    /// No such peer in the configuration.
    case unknownPeer = "unknown_peer"
    /// The peer was removed while running (``Transport/removePeer(_:)``); its queued messages are dropped too.
    case peerRemoved = "peer_removed"
    /// The transport is not running.
    case notRunning = "not_running"

    public var description: String { rawValue }
}
