import Broadcast
import Foundation
import Node
import Raft
import RaftcastClient

/// An in-memory ``NodeBackend`` for the route tests: a status report the test sets (a follower that knows
/// its leader, a node without one), a catalogue the proposals it accepts are applied to, every proposal
/// and ingest request recorded, and a scripted answer for both. Subscribers get each applied change.
final class BackendTwin: NodeBackend, @unchecked Sendable {
    private let lock = NSLock()
    private var state = State()

    private struct State {
        var report: ClusterStatusReport
        var catalogue = Catalogue()
        var ingestStatuses: [StreamID: IngestStatus] = [:]
        var proposals: [[UInt8]] = []
        var ingests: [IngestRequest] = []
        /// nil: apply the proposal to the catalogue and answer `.applied`.
        var proposalAnswer: ProposalOutcome?
        var ingestAnswer: IngestStartResult = .started
        /// Set: the next proposal finds leadership lost to this member (id, HTTP address).
        var leadershipLostTo: (id: String, http: String)?
        var subscribers: [UInt64: @Sendable ([NodeEvent]) -> Void] = [:]
        var nextToken: UInt64 = 0
        var now: ClusterTime? = ClusterTime(nanoseconds: 100_000_000_000)
        /// Every applied payload by log index (the log the fragment records are read back from).
        var log: [UInt64: [UInt8]] = [:]
        var recordReads = 0
        var members = MemberDirectory()
        var memberMatchIndexes: [NodeID: UInt64]?
        var membershipRequests: [MembershipRequest] = []
        /// nil: apply the change to the directory and answer `.applied`.
        var membershipAnswer: MembershipOutcome?

        init() {
            report = BackendTwin.report(role: "leader", leader: "n1", leaderHTTP: "127.0.0.1:8101")
        }
    }

    /// A report of node `n1` in `role`, naming `leader` (at `leaderHTTP`), term 3.
    static func report(role: String, leader: String?, leaderHTTP: String?) -> ClusterStatusReport {
        ClusterStatusReport(
            id: "n1", role: role, term: 3, leader: leader, leaderHTTP: leaderHTTP, commitIndex: 0, appliedIndex: 0,
            lastLogIndex: 0, snapshotIndex: 0, appliedCount: 0, appliedHash: String(repeating: "0", count: 16), peers: [])
    }

    private func locked<T>(_ body: (inout State) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&state)
    }

    /// Makes this node a follower of `leader` at `http`, or one that knows no leader (`nil`).
    func follow(_ leader: String?, http: String?) {
        locked { $0.report = Self.report(role: "follower", leader: leader, leaderHTTP: http) }
    }

    /// Changes the published report.
    func updateReport(_ body: (inout ClusterStatusReport) -> Void) { locked { body(&$0.report) } }

    /// Answers every later proposal with `answer` (nil: apply and answer `.applied`).
    func answerProposals(with answer: ProposalOutcome?) { locked { $0.proposalAnswer = answer } }

    /// The next proposal finds that this node lost its leadership to `leader` (at `http`) meanwhile.
    func loseLeadershipAtNextProposal(to leader: String, http: String) {
        locked { $0.leadershipLostTo = (leader, http) }
    }

    /// Answers every later ingest request with `answer`.
    func answerIngests(with answer: IngestStartResult) { locked { $0.ingestAnswer = answer } }

    /// Applies `entry` as if committed now.
    func commit(_ entry: CatalogueEntry) { _ = locked { Self.apply(entry.encoded(), to: &$0) } }

    /// The proposals received, in order.
    var proposals: [[UInt8]] { locked { $0.proposals } }
    /// The ingest requests received, in order.
    var ingests: [IngestRequest] { locked { $0.ingests } }

    // MARK: NodeBackend

    var report: ClusterStatusReport { locked { $0.report } }
    var catalogue: Catalogue { locked { $0.catalogue } }
    /// The member directory the twin reports (settable).
    var members: MemberDirectory {
        get { locked { $0.members } }
        set { locked { $0.members = newValue } }
    }
    /// The leader's match indexes the twin reports (settable; nil: not leading).
    var memberMatchIndexes: [NodeID: UInt64]? {
        get { locked { $0.memberMatchIndexes } }
        set { locked { $0.memberMatchIndexes = newValue } }
    }
    /// The cluster now the twin reports (settable; nil: not synchronized).
    var now: ClusterTime? {
        get { locked { $0.now } }
        set { locked { $0.now = newValue } }
    }
    func clusterNow() -> ClusterTime? { now }
    let playoutDelay: Duration = .milliseconds(1_500)

    func ingestStatus(of stream: StreamID) -> IngestStatus? { locked { $0.ingestStatuses[stream] } }

    func propose(_ data: [UInt8], timeout: Duration) async -> ProposalOutcome {
        locked { state in
            state.proposals.append(data)
            if let leader = state.leadershipLostTo {
                state.leadershipLostTo = nil
                state.report = Self.report(role: "follower", leader: leader.id, leaderHTTP: leader.http)
                return .notLeader(leader: leader.id)
            }
            return state.proposalAnswer ?? Self.apply(data, to: &state)
        }
    }

    /// Answers every later membership change with `answer` (nil: apply it to ``members`` and answer `.applied`).
    func answerMembership(with answer: MembershipOutcome?) { locked { $0.membershipAnswer = answer } }

    /// The membership changes received, in order.
    var membershipRequests: [MembershipRequest] { locked { $0.membershipRequests } }

    func proposeMembership(_ request: MembershipRequest, timeout: Duration) async -> MembershipOutcome {
        locked { state in
            state.membershipRequests.append(request)
            if let answer = state.membershipAnswer { return answer }
            var records = state.members.records
            let record: MemberRecord
            switch request {
            case .add(let new):
                record = new
                records[new.id] = new
            case .remove(let id):
                guard let old = records.removeValue(forKey: id) else { return .refused(.unknownMember(id)) }
                record = old
            case .promote(let id), .demote(let id):
                guard var member = records[id] else { return .refused(.unknownMember(id)) }
                if case .promote = request { member.role = .voter } else { member.role = .listener }
                records[id] = member
                record = member
            }
            state.members = MemberDirectory(Array(records.values))
            return .applied(member: record, index: 10)
        }
    }

    func startIngest(_ request: IngestRequest) async -> IngestStartResult {
        locked { state in
            state.ingests.append(request)
            return state.ingestAnswer
        }
    }

    func addSubscriber(_ handler: @escaping @Sendable ([NodeEvent]) -> Void) -> (
        token: UInt64, catalogue: Catalogue, leader: String?, term: UInt64
    ) {
        locked { state in
            state.nextToken += 1
            state.subscribers[state.nextToken] = handler
            return (state.nextToken, state.catalogue, state.report.leader, state.report.term)
        }
    }

    func removeSubscriber(_ token: UInt64) { _ = locked { $0.subscribers.removeValue(forKey: token) } }

    func fragmentRecord(atLogIndex logIndex: UInt64) throws -> [UInt8] {
        let stored = locked { state -> [UInt8]? in
            state.recordReads += 1
            return state.log[logIndex]
        }
        guard let payload = stored else { throw CatalogueFragmentStoreError.unavailable(logIndex: logIndex) }
        guard case .fragment(_, _, let record) = try CatalogueEntry(decoding: payload[...]) else {
            throw CatalogueFragmentStoreError.unavailable(logIndex: logIndex)
        }
        return Array(record)
    }

    /// How many fragment records were read back from the log.
    var recordReads: Int { locked { $0.recordReads } }

    /// Forgets the log entry at `logIndex` (as if compacted away).
    func dropLogEntry(_ logIndex: UInt64) { _ = locked { $0.log.removeValue(forKey: logIndex) } }

    /// Applies `data` at the next log index; the subscribers get the change (under the lock, as the loop
    /// delivers on one thread: they only enqueue).
    private static func apply(_ data: [UInt8], to state: inout State) -> ProposalOutcome {
        state.report.lastLogIndex += 1
        state.report.commitIndex = state.report.lastLogIndex
        state.report.appliedIndex = state.report.lastLogIndex
        let index = state.report.lastLogIndex
        state.log[index] = data
        if let change = state.catalogue.applyChange(payload: data, at: index, term: state.report.term),
            change.event.changedCatalogue
        {
            for subscriber in state.subscribers.values { subscriber([.catalogue(change)]) }
        }
        return .applied(index: index, term: state.report.term)
    }
}
