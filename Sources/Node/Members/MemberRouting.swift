import Dispatch
import Logging
import NIOConcurrencyHelpers
import Raft
import RaftcastClient
import Transport

/// Keeps the node's network in line with the replicated ``MemberDirectory``: the transport's peer table
/// (members are dialed and accepted once added, moved when their address changes, dropped and refused
/// once removed) and the Raft id → member id routing of outbound Raft messages.
///
/// A departed member stays a peer for ``departureGrace`` (routed, dialed, accepted) so that the leader's last
/// message — the commit index that tells it it was removed — still reaches it; then it is dropped.
///
/// Thread-safe: ``update(_:)`` is called on the Raft loop's thread as changes apply, ``peerID(raftID:)``
/// on whichever thread sends.
public final class MemberRouting: Sendable {
    private let directory: NIOLockedValueBox<MemberDirectory>
    /// Set by ``leave()``: this node was removed and keeps no peer.
    private let left = NIOLockedValueBox(false)
    /// Departed members still routed during their grace, by Raft id.
    private let departing = NIOLockedValueBox<[NodeID: String]>([:])
    /// How long a departed member stays a peer.
    public let departureGrace: Duration
    private let transport: Transport
    private let localID: String
    private let logger: Logger

    /// Routing for `directory`; the transport's peers are brought in line with it at once.
    public init(
        directory: MemberDirectory, transport: Transport, localID: String, logger: Logger, departureGrace: Duration = .zero
    ) {
        self.departureGrace = departureGrace
        self.directory = NIOLockedValueBox(directory)
        self.transport = transport
        self.localID = localID
        self.logger = logger
        sync(directory)
    }

    /// The member id to send Raft node `raftID`'s messages to, if it is a member.
    public func peerID(raftID: NodeID) -> String? {
        directory.withLockedValue { $0.member(raftID: raftID)?.id } ?? departing.withLockedValue { $0[raftID] }
    }

    /// Whether member `id` has an authenticated connection on the control lane, outbound or inbound.
    public func isReachable(_ id: String) -> Bool {
        transport.linkStatus(peer: id, lane: .control)?.state == .connected
            || transport.inboundPeers(on: .control).contains(id)
    }

    /// Takes the new directory and changes the transport's peers to match (nothing after ``leave()``).
    public func update(_ newDirectory: MemberDirectory) {
        let old = directory.withLockedValue { old in
            defer { old = newDirectory }
            return old
        }
        guard !left.withLockedValue({ $0 }) else { return }
        let gone = old.members.filter { $0.id != localID && newDirectory.member(id: $0.id) == nil }
        guard departureGrace > .zero, !gone.isEmpty else {
            sync(newDirectory)
            return
        }
        departing.withLockedValue { for record in gone { $0[record.raftID] = record.id } }
        sync(newDirectory, keeping: Set(gone.map(\.id)))
        let seconds = Double(departureGrace.components.seconds) + Double(departureGrace.components.attoseconds) / 1e18
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
            let keep = departing.withLockedValue { departing in
                for record in gone { departing[record.raftID] = nil }
                return Set(departing.values)
            }
            guard !left.withLockedValue({ $0 }) else { return }
            sync(directory.withLockedValue { $0 }, keeping: keep)
        }
    }

    /// This node was removed from the cluster: every peer is removed from the transport (its connections
    /// closed, its handshakes refused) and no message is routed any more.
    public func leave() {
        left.withLockedValue { $0 = true }
        directory.withLockedValue { $0 = MemberDirectory() }
        departing.withLockedValue { $0 = [:] }
        sync(MemberDirectory())
    }

    /// Adds, moves and removes transport peers so that they are exactly the directory's members
    /// other than this node.
    /// Members in `keeping` (departed, in their grace) stay as they are.
    private func sync(_ directory: MemberDirectory, keeping: Set<String> = []) {
        let wanted = directory.records.filter { $0.key != localID }
        let current = transport.peers
        for id in current.ids where wanted[id] == nil && !keeping.contains(id) { transport.removePeer(id) }
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
