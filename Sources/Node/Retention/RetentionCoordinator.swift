import Broadcast
import Raft

/// The leader's retention, driven by the ``RaftLoop`` thread: it asks the ``RetentionPolicy`` which
/// finished streams go and proposes a `streamRemoved` entry for each, a few at a time. The loop only
/// reports what happened (role changes, what was applied) and proposes what it is handed; every retention
/// decision is made here. Followers never call ``drive(appliedIndex:catalogue:now:at:protected:propose:)``.
///
/// - The policy is evaluated after something was applied and on a slow timer (``evaluationInterval``),
///   because a stream becomes removable when its playout is over, which no entry announces.
/// - At most ``maximumInFlight`` removals are proposed and not yet applied.
/// - A new leader waits until its term's first entry is applied, so it decides on a current catalogue.
/// - ``committed(_:appliedIndex:)`` returns the removals this node proposed that were applied (the node
///   logs each and counts it in `raftcast_streams_removed_total`).
///
/// Not `Sendable`: one thread drives it.
struct RetentionCoordinator {
    /// A removal this node proposed, once applied.
    struct Completed: Hashable {
        var removal: RetentionPolicy.Removal
        /// The stream's name when it was proposed.
        var name: String
        /// Log index of the `streamRemoved` entry.
        var logIndex: UInt64
    }

    private struct InFlight {
        var removal: RetentionPolicy.Removal
        var name: String
        var index: UInt64
    }

    /// Removals proposed and not yet applied, at most.
    static let maximumInFlight = 2
    /// How often the policy is evaluated when nothing is applied.
    static let defaultEvaluationInterval: Duration = .seconds(1)

    let policy: RetentionPolicy
    let evaluationInterval: Duration
    private var inFlight: [StreamID: InFlight] = [:]
    /// While leading: the index of this term's first entry; nothing is decided before it is applied.
    private var leaderTermStart: UInt64?
    private var nextEvaluation: ContinuousClock.Instant?

    /// A coordinator applying `policy`.
    init(policy: RetentionPolicy, evaluationInterval: Duration = Self.defaultEvaluationInterval) {
        self.policy = policy
        self.evaluationInterval = evaluationInterval
    }

    /// Whether the policy can remove anything at all.
    var isEnabled: Bool { policy.removesAnything }

    /// Removals proposed and not yet applied.
    var inFlightCount: Int { inFlight.count }

    /// This node leads from now on; its term's first entry is at `firstIndex`. (Nothing when it already led.)
    mutating func leadershipGained(firstIndex: UInt64) {
        if leaderTermStart == nil {
            leaderTermStart = firstIndex
            nextEvaluation = nil
        }
    }

    /// This node no longer leads: it forgets what it proposed (the next leader decides again).
    mutating func leadershipLost() {
        leaderTermStart = nil
        inFlight = [:]
    }

    /// Hands the applied changes over: the removals this node proposed that are now applied are returned
    /// (and no longer in flight); anything applied makes the policy due again.
    mutating func committed(_ changes: [CatalogueChange], appliedIndex: UInt64) -> [Completed] {
        var completed: [Completed] = []
        for change in changes {
            guard case .streamRemoved(let id) = change.event, let proposal = inFlight.removeValue(forKey: id) else {
                continue
            }
            // Removed by another entry first (an operator's request): this node's entry will change nothing.
            guard proposal.index == change.logIndex else { continue }
            completed.append(Completed(removal: proposal.removal, name: proposal.name, logIndex: change.logIndex))
        }
        forgetApplied(upTo: appliedIndex)
        if !changes.isEmpty { nextEvaluation = nil }
        return completed
    }

    /// On the leader: when due, proposes the removals the policy returns for cluster time `now` (never one
    /// in `protected`, nor more than ``maximumInFlight`` at a time), `instant` being the loop's monotonic
    /// now (the timer). Returns true when something was proposed.
    mutating func drive(
        appliedIndex: UInt64, catalogue: Catalogue, now: ClusterTime, at instant: ContinuousClock.Instant,
        protected: Set<StreamID>, propose: ([UInt8]) -> Result<UInt64, ProposalError>
    ) -> Bool {
        guard isEnabled, let start = leaderTermStart, appliedIndex >= start else { return false }
        forgetApplied(upTo: appliedIndex)
        if let next = nextEvaluation, instant < next { return false }
        nextEvaluation = instant + evaluationInterval
        guard inFlight.count < Self.maximumInFlight else { return false }
        var proposed = false
        for removal in policy.removals(in: catalogue, now: now, protected: protected) {
            guard inFlight.count < Self.maximumInFlight else { break }
            guard inFlight[removal.stream] == nil else { continue }
            switch propose(CatalogueEntry.streamRemoved(stream: removal.stream).encoded()) {
            case .success(let index):
                inFlight[removal.stream] = InFlight(
                    removal: removal, name: catalogue.stream(removal.stream)?.start.name ?? "", index: index)
                proposed = true
            case .failure:
                // Not the leader any more, or the core is full: the next evaluation tries again.
                return proposed
            }
        }
        return proposed
    }

    /// Proposals at or below `appliedIndex` that did not remove their stream (it was gone already, or the
    /// entry was replaced by another leader's) are no longer in flight.
    private mutating func forgetApplied(upTo appliedIndex: UInt64) {
        guard !inFlight.isEmpty else { return }
        inFlight = inFlight.filter { $0.value.index > appliedIndex }
    }
}
