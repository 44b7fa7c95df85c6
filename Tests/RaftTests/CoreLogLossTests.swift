import Raft
import XCTest

/// A follower whose log lost entries it had acknowledged (a `wal repair`, a
/// damaged tail) and that rejoins with the operator's consent (``LogLoss``):
/// the leader learns of the loss from the flagged rejection and resends; the
/// follower neither votes nor campaigns until it has caught up. And a log the
/// storage cannot read stops the core instead of spinning.
final class CoreLogLossTests: XCTestCase {
    /// A 3-node cluster led by 1 with `count` entries applied everywhere.
    private func replicated(_ count: Int) throws -> CoreCluster {
        var cluster = try CoreCluster(voters: [1, 2, 3])
        cluster.elect(1)
        for i in 0..<count { try cluster[1].propose(payload(UInt8(i))) }
        cluster.stabilize()
        XCTAssertEqual(cluster.applied[3]?.count, count)
        return cluster
    }

    /// Restarts node 3 on a log holding only its entries up to `keep`, with the
    /// hard state it had (commit beyond the log), as after `wal repair`.
    private func restartWithLostTail(_ cluster: inout CoreCluster, keep: UInt64, loss: LogLoss?) throws {
        let old = cluster.storages[3]!
        let (hardState, confState) = try old.initialState()
        let storage = MemoryStorage(confState: confState)
        try storage.append(try old.entries(from: 1, to: keep + 1, maxBytes: .max))
        // With a loss, the record of the vote went with the tail; without, nothing tells the node.
        try storage.setHardState(loss == nil ? HardState(term: hardState.term, vote: hardState.vote, commit: keep)
                                             : HardState(term: hardState.term, vote: .none, commit: hardState.commit))
        cluster.queue.removeAll { $0.to == 3 || $0.from == 3 }
        try cluster.addNode(3, storage: storage) { $0.logLoss = loss }
    }

    func testLeaderResendsWhatAFollowerLostOnceItFlagsTheLoss() throws {
        var cluster = try replicated(6)
        let last = cluster[1].status.lastIndex
        XCTAssertEqual(cluster[1].status.progress[3]?.match, last)
        let term = cluster[1].term
        try restartWithLostTail(&cluster, keep: 3, loss: LogLoss(index: last, term: term))
        XCTAssertEqual(cluster[3].status.lastIndex, 3)
        XCTAssertEqual(cluster[3].status.commit, 3, "the commit is cut to the log that is left")
        XCTAssertEqual(cluster[3].pendingLogLoss, LogLoss(index: last, term: term))

        // The leader's next heartbeat carries a commit beyond the follower's log: it answers with a flagged
        // rejection, the leader forgets its match and sends the entries again.
        cluster.tick(1, only: [1])
        let flagged = cluster.sent.filter { $0.from == 3 && $0.type == .appendResponse && $0.reject && $0.logLoss }
        XCTAssertEqual(flagged.count, 1)
        XCTAssertEqual(flagged.first?.rejectHint, 3)
        XCTAssertEqual(cluster[3].status.lastIndex, last)
        XCTAssertEqual(cluster[1].status.progress[3]?.match, last)
        XCTAssertEqual(cluster.applied[3], cluster.applied[1])
        // Caught up: it votes again, and has recorded a vote for the leader of this term.
        XCTAssertNil(cluster[3].pendingLogLoss)
        XCTAssertEqual(cluster[3].status.vote, 1)
        XCTAssertEqual(try cluster.storages[3]!.initialState().0.vote, 1, "the vote is persisted")
    }

    func testARejectionBelowTheMatchIsStaleUnlessItFlagsALoss() throws {
        var cluster = try replicated(6)
        let last = cluster[1].status.lastIndex
        let term = cluster[1].term
        var rejection = Message(type: .appendResponse, from: 3, to: 1, term: term, logTerm: term, index: last,
                                reject: true, rejectHint: 3)
        // Without the flag: a stale answer (the leader knows the follower holds up to `last`); nothing changes.
        cluster[1].step(rejection)
        XCTAssertEqual(cluster[1].status.progress[3]?.match, last)
        XCTAssertEqual(cluster[1].status.progress[3]?.state, .replicate)
        XCTAssertFalse(cluster[1].hasReady)
        // Flagged: the match drops to the hint and the leader probes from there.
        rejection.logLoss = true
        cluster[1].step(rejection)
        XCTAssertEqual(cluster[1].status.progress[3]?.match, 3)
        XCTAssertEqual(cluster[1].status.progress[3]?.state, .probe)
        let ready = cluster[1].ready()
        let appends = ready.messages.filter { $0.type == .appendEntries && $0.to == 3 }
        XCTAssertEqual(appends.count, 1)
        XCTAssertEqual(appends.first?.index, 3)
        XCTAssertEqual(appends.first?.entries.first?.index, 4)
        // A flagged rejection at or above the match changes nothing either (the normal rules apply).
        cluster[1].advance(ready)
        rejection.rejectHint = 5
        cluster[1].step(rejection)
        XCTAssertEqual(cluster[1].status.progress[3]?.match, 3)
    }

    func testWithoutTheLossModeTheFollowerStaysBehind() throws {
        // The old behaviour, for reference: a follower that lost acknowledged entries but does not know it
        // answers heartbeats normally, and the leader never resends.
        var cluster = try replicated(6)
        let last = cluster[1].status.lastIndex
        try restartWithLostTail(&cluster, keep: 3, loss: nil)
        cluster.tick(5, only: [1])
        XCTAssertEqual(cluster[3].status.lastIndex, 3)
        XCTAssertEqual(cluster[1].status.progress[3]?.match, last)
        XCTAssertFalse(cluster.sent.contains { $0.logLoss })
    }

    func testANodeRecoveringFromALossNeitherVotesNorCampaigns() throws {
        var cluster = try replicated(4)
        let last = cluster[1].status.lastIndex
        let term = cluster[1].term
        try restartWithLostTail(&cluster, keep: 2, loss: LogLoss(index: last, term: term + 2))
        XCTAssertEqual(cluster[3].term, term + 2, "takes the highest term it may have seen")
        // Cut off from the leader, it never campaigns.
        cluster.isolated = [1]
        for _ in 0..<100 { cluster[3].tick() }
        XCTAssertEqual(cluster[3].role, .follower)
        let sent = cluster[3].ready().messages
        XCTAssertFalse(sent.contains { $0.type == .requestPreVote || $0.type == .requestVote }, "\(sent)")
        // Asked for a vote (and a pre-vote) in a later term, it refuses.
        for type in [MessageType.requestPreVote, .requestVote] {
            cluster[3].step(Message(type: type, from: 2, to: 3, term: term + 5, logTerm: term, index: last))
            let answer = cluster[3].ready().messages.last { $0.to == 2 }
            XCTAssertEqual(answer?.reject, true, "\(type)")
        }
    }

    func testAnUnreadableLogStopsTheCoreInsteadOfSpinning() throws {
        var cluster = try CoreCluster(voters: [1])
        cluster.elect(1)
        for i in 0..<3 { try cluster[1].propose(payload(UInt8(i))) }
        cluster.stabilize()
        // Restart: committed entries are handed out again from storage, whose entry reads now fail (as the
        // durable log's do on a CRC mismatch; its bounds and terms live in memory and still answer).
        let storage = DamagedReads(cluster.storages[1]!)
        var node = try RaftNode(config: Config(id: 1), storage: storage)
        let failure = StorageError.io("/wal/wal-0000000000000001.seg: offset 96: payload CRC mismatch for entry 2")
        storage.failure = failure
        XCTAssertTrue(node.hasReady)
        let ready = node.ready()
        XCTAssertTrue(ready.isEmpty, "nothing is handed out from a log that cannot be read")
        XCTAssertEqual(node.storageFailure, failure)
        XCTAssertTrue(node.hasReady, "the failure stays visible")
        XCTAssertTrue(node.ready().isEmpty)
        // A healthy read after a restart hands the entries out.
        storage.failure = nil
        var healthy = try RaftNode(config: Config(id: 1), storage: storage)
        XCTAssertFalse(healthy.ready().committedEntries.isEmpty)
        XCTAssertNil(healthy.storageFailure)
    }
}

/// A log whose entry reads fail with `failure` when set; everything else is `base`'s.
private final class DamagedReads: LogStorage {
    let base: MemoryStorage
    var failure: StorageError?

    init(_ base: MemoryStorage) { self.base = base }

    func initialState() throws(StorageError) -> (HardState, ConfState) { try base.initialState() }
    func entries(from lo: UInt64, to hi: UInt64, maxBytes: UInt64) throws(StorageError) -> [Entry] {
        if let failure { throw failure }
        return try base.entries(from: lo, to: hi, maxBytes: maxBytes)
    }
    func term(at index: UInt64) throws(StorageError) -> UInt64 { try base.term(at: index) }
    func firstIndex() throws(StorageError) -> UInt64 { try base.firstIndex() }
    func lastIndex() throws(StorageError) -> UInt64 { try base.lastIndex() }
    func snapshot() throws(StorageError) -> Snapshot { try base.snapshot() }
}
