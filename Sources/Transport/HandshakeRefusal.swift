/// Why a handshake did not complete. The side that detects it logs it and closes.
public enum HandshakeRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    /// The hello names another cluster.
    case wrongCluster(String)
    /// The hello comes from a node id that is not in the configuration.
    case unknownNode(String)
    /// The hello comes from a node id that was a peer until removed while running (``Transport/removePeer(_:)``).
    case removedNode(String)
    /// The hello asks for a node id other than this one.
    case wrongTarget(String)
    /// The server's MAC is wrong: it does not know the secret (or ours differs).
    case badServerProof
    /// The client's MAC is wrong: it does not know the secret (or ours differs).
    case badClientProof
    /// A handshake frame could not be parsed.
    case malformed(String)
    /// A frame arrived that the handshake does not expect at this point.
    case unexpectedFrame(Frame.Kind)
    /// The handshake did not finish in time.
    case timedOut
    /// The server (which proved the secret) refused this node with a reason (a ``Frame/Kind/refusal``
    /// frame), e.g. `not a member`: this node is not, or no longer, one of its peers.
    case refusedByPeer(String)

    public var description: String {
        switch self {
        case .wrongCluster(let name): "peer belongs to cluster \"\(name)\""
        case .unknownNode(let id): "unknown node id \"\(id)\""
        case .removedNode(let id): "node \"\(id)\" was removed from this node's peers"
        case .wrongTarget(let id): "peer dialed node \"\(id)\", not this node"
        case .badServerProof: "server failed to prove knowledge of the cluster secret (secrets differ?)"
        case .badClientProof: "client failed to prove knowledge of the cluster secret (secrets differ?)"
        case .malformed(let what): "malformed \(what)"
        case .unexpectedFrame(let kind): "unexpected \(kind) frame during handshake"
        case .timedOut: "handshake timed out"
        case .refusedByPeer(let reason): "refused by the peer: \(LogText.escaped(reason))"
        }
    }
}
