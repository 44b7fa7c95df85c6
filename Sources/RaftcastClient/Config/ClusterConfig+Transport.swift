import Logging
import Transport

extension ClusterConfig {
    /// The transport configuration of `member`: it listens on its raft
    /// address and dials every other member's.
    public func transportConfig(for member: Member, logger: Logger = Logger(label: "raftcast.transport")) -> TransportConfig {
        var peers: [String: PeerAddress] = [:]
        for other in nodes where other.id != member.id { peers[other.id] = other.raft }
        return TransportConfig(clusterName: name, secret: secret, localID: member.id, listenAddress: member.raft,
                               peers: peers, logger: logger)
    }
}
