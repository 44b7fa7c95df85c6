extension TransportConfig: CustomStringConvertible {
    /// Every setting except the secret, which is shown only by its length.
    public var description: String {
        let peerList = peers.keys.sorted().map { "\($0)@\(peers[$0]!)" }.joined(separator: ", ")
        return "TransportConfig(cluster: \(clusterName), local: \(localID)@\(listenAddress), peers: [\(peerList)], "
            + "secret: <\(secret.count) bytes>, maxFrameSize: \(maxFrameSize), backoff: \(backoff.initial)...\(backoff.maximum), "
            + "handshakeTimeout: \(handshakeTimeout), preAuth: \(maxPreAuthConnectionsPerSource)/address, \(maxPreAuthConnections) in all)"
    }
}
