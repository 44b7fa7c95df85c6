import Raft
import Transport

extension ClusterConfig {
    /// One entry of `nodes:`.
    public struct Member: Sendable, Hashable {
        /// The node's name in the file, in logs and on the command line.
        public var id: String
        /// The numeric id the Raft core uses (``ClusterConfig/raftID(for:)``).
        public var raftID: NodeID
        /// Node-to-node (transport) address.
        public var raft: PeerAddress
        /// HTTP API address.
        public var http: PeerAddress
        /// ALSA device name, or nil for "none" (no playback).
        public var audioDevice: String?
        /// Where the node keeps its log, snapshots and play log.
        public var dataDirectory: String
        /// The role the node starts with when the cluster is bootstrapped (`role:`, default voter); from
        /// then on the membership lives in the log.
        public var role: MemberRole

        /// A member; its ``raftID`` is derived from `id`.
        public init(
            id: String, raft: PeerAddress, http: PeerAddress, audioDevice: String?, dataDirectory: String,
            role: MemberRole = .voter
        ) {
            self.id = id
            self.raftID = ClusterConfig.raftID(for: id)
            self.raft = raft
            self.http = http
            self.audioDevice = audioDevice
            self.dataDirectory = dataDirectory
            self.role = role
        }
    }
}
