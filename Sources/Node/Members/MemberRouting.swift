import Logging
import NIOConcurrencyHelpers
import Raft
import RaftcastClient
import Transport

/// Keeps the node's network in line with the replicated ``MemberDirectory``: the transport's peer table
/// (members are dialed and accepted once added, moved when their address changes, dropped and refused
/// once removed) and the Raft id → member id routing of outbound Raft messages.
///
/// Thread-safe: ``update(_:)`` is called on the Raft loop's thread as changes apply, ``peerID(raftID:)``
/// on whichever thread sends.
public final class MemberRouting: Sendable {
    private let directory: NIOLockedValueBox<MemberDirectory>
    private let transport: Transport
    private let localID: String
    private let logger: Logger

    /// Routing for `directory`; the transport's peers are brought in line with it at once.
    public init(directory: MemberDirectory, transport: Transport, localID: String, logger: Logger) {
        self.directory = NIOLockedValueBox(directory)
        self.transport = transport
        self.localID = localID
        self.logger = logger
        sync(directory)
    }

    /// The member id to send Raft node `raftID`'s messages to, if it is a member.
    public func peerID(raftID: NodeID) -> String? {
        directory.withLockedValue { $0.member(raftID: raftID)?.id }
    }

    /// Whether member `id` has an authenticated connection on the control lane, outbound or inbound.
    public func isReachable(_ id: String) -> Bool {
        transport.linkStatus(peer: id, lane: .control)?.state == .connected
            || transport.inboundPeers(on: .control).contains(id)
    }

    /// Takes the new directory and changes the transport's peers to match.
    public func update(_ newDirectory: MemberDirectory) {
        directory.withLockedValue { $0 = newDirectory }
        sync(newDirectory)
    }

    /// Adds, moves and removes transport peers so that they are exactly the directory's members
    /// other than this node.
    private func sync(_ directory: MemberDirectory) {
        let wanted = directory.records.filter { $0.key != localID }
        let current = transport.peers
        for id in current.ids where wanted[id] == nil { transport.removePeer(id) }
        for (id, record) in wanted.sorted(by: { $0.key < $1.key }) {
            if current.addresses[id] == record.raft { continue }
            do {
                try transport.addPeer(id, at: record.raft)
            } catch {
                logger.error("member \(id) cannot be a transport peer: \(error)")
            }
        }
    }
}
