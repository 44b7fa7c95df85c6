import Broadcast
import Raft
import RaftcastClient

/// Everything the HTTP API (``NodeHTTPAPI``) reads from and asks of its node, and nothing more: the
/// state Raft published after its last iteration, proposals, ingest sessions and the event feed.
///
/// ``RaftLoop`` is the node's backend. Route tests use in-memory twins (Tests/NodeTests/BackendTwin.swift)
/// to put the API in states a real one-node cluster cannot reach on demand: a follower that knows its
/// leader, a node without a leader, a proposal that times out.
///
/// Every requirement is thread-safe and never blocks on disk or on Raft: the HTTP event loops call them.
public protocol NodeBackend: Sendable {
    /// This node's status report (`GET /v1/cluster`), as of the last published iteration.
    var report: ClusterStatusReport { get }
    /// The catalogue as of the last published iteration.
    var catalogue: Catalogue { get }
    /// The replicated member directory as of the last published iteration.
    var members: MemberDirectory { get }
    /// Each member's match index by Raft id, from the leader's progress, when this node leads; nil otherwise.
    var memberMatchIndexes: [NodeID: UInt64]? { get }
    /// Cluster time now, as this node's clock sync estimates it; nil before it is synchronized.
    func clusterNow() -> ClusterTime?
    /// How far behind the cluster clock every node plays: a queue decision takes effect this far ahead of
    /// the leader's cluster now, so every node has it before it is due.
    var playoutDelay: Duration { get }
    /// This node's ingest status for `stream`; nil when it never ingested it.
    func ingestStatus(of stream: StreamID) -> IngestStatus?
    /// Proposes `data`; returns once it is applied on this node (the leader), refused, or `timeout` passed.
    func propose(_ data: [UInt8], timeout: Duration) async -> ProposalOutcome
    /// Proposes the membership change `request` (checked first; refused up front with a reason); returns once
    /// it is applied on this node (the leader), refused, or `timeout` passed.
    func proposeMembership(_ request: MembershipRequest, timeout: Duration) async -> MembershipOutcome
    /// Starts (or resumes) ingesting `request` on this node, which must lead.
    func startIngest(_ request: IngestRequest) async -> IngestStartResult
    /// Registers `handler` for every later batch of events (it must only enqueue) and returns, atomically,
    /// the state as of the batch before: a token for ``removeSubscriber(_:)``, the catalogue, the leader
    /// and the term.
    func addSubscriber(_ handler: @escaping @Sendable ([NodeEvent]) -> Void) -> (
        token: UInt64, catalogue: Catalogue, leader: String?, term: UInt64
    )
    /// Stops calling the subscriber registered with `token`.
    func removeSubscriber(_ token: UInt64)
    /// The fragment record (Media's wire format) committed in the log entry at `logIndex`, read back from
    /// the log (HLS segments are remuxed from it). Reads the log: called once per segment per node (the
    /// HLS segment cache), never per request.
    /// - Throws: `CatalogueFragmentStoreError` when the entry is compacted or unreadable.
    func fragmentRecord(atLogIndex logIndex: UInt64) throws -> [UInt8]
}

/// The Raft loop is the node's backend.
extension RaftLoop: NodeBackend {}
