import Audio
import Broadcast
import BroadcastTesting
import Foundation
import Media
import Node
import Raft
import RaftcastClient
import Transport
import XCTest

/// The Ready loop's logic without sockets or threads: several drivers on
/// in-memory storage, exchanging messages through a test network.
final class NodeDriverTests: XCTestCase {
    /// Three (or more) drivers and the messages in flight between them.
    struct Network {
        var drivers: [NodeID: NodeDriver] = [:]
        var inFlight: [Message] = []
        var cut: Set<NodeID> = []
        var storages: [NodeID: MemoryStorage] = [:]

        init(ids: [NodeID], policy: SnapshotPolicy = SnapshotPolicy(), members: MemberDirectory = MemberDirectory()) throws {
            for id in ids {
                let storage = MemoryStorage(confState: ConfState(voters: ids))
                var config = Config(id: id)
                config.electionTick = 5
                config.randomSeed = id
                storages[id] = storage
                drivers[id] = try NodeDriver(config: config, storage: storage, snapshotPolicy: policy, members: members)
            }
        }

        /// Handles every Ready and delivers messages until the network is quiet (bounded).
        mutating func settle(maxRounds: Int = 200, onOutcome: (NodeID, ReadyOutcome) -> Void = { _, _ in }) throws {
            for _ in 0..<maxRounds {
                var progressed = false
                for id in drivers.keys.sorted() where drivers[id]!.hasReady {
                    progressed = true
                    var sent: [Message] = []
                    onOutcome(id, try drivers[id]!.handleReady(send: { sent.append($0) }, now: { ContinuousClock().now }))
                    inFlight += sent
                }
                let deliver = inFlight
                inFlight = []
                for message in deliver
                where !cut.contains(message.to) && !cut.contains(message.from) && drivers[message.to] != nil {
                    progressed = true
                    drivers[message.to]!.step(message)
                }
                if !progressed { return }
            }
            XCTFail("network did not settle")
        }

        /// Ticks every connected node `count` times, settling after each tick.
        mutating func tick(_ count: Int, onOutcome: (NodeID, ReadyOutcome) -> Void = { _, _ in }) throws {
            for _ in 0..<count {
                for id in drivers.keys.sorted() where !cut.contains(id) { drivers[id]!.tick() }
                try settle(onOutcome: onOutcome)
            }
        }

        var leader: NodeID? { drivers.values.first { $0.raft.role == .leader }?.raft.id }
    }

    func testElectsALeaderAndAllReplicasApplyTheSameEntries() throws {
        var net = try Network(ids: [1, 2, 3])
        net.drivers[1]!.campaign()
        try net.settle()
        XCTAssertEqual(net.leader, 1)
        for i in 0..<20 { _ = try net.drivers[1]!.propose(Array("value-\(i)".utf8)) }
        try net.settle()
        try net.tick(2)  // heartbeats carry the final commit index to followers
        let states = net.drivers.values.map(\.state)
        XCTAssertEqual(Set(states.map(\.rollingHash)).count, 1)
        XCTAssertEqual(Set(states.map(\.appliedIndex)), [net.drivers[1]!.raft.status.commit])
        // 3 bootstrap membership entries + the leader's empty entry + 20 proposals.
        XCTAssertEqual(states[0].count, 24)
        let leaderEntries = net.drivers[1]!.state.entries.suffix(20)
        XCTAssertEqual(leaderEntries.map(\.dataHash), (0..<20).map { AppliedEntry(Entry(term: 0, index: 0, data: Array("value-\($0)".utf8))).dataHash })
        // Every persisted entry reached storage before being applied.
        XCTAssertEqual(try net.storages[2]!.lastIndex(), 24)
    }

    func testFollowerFarBehindCatchesUpThroughASnapshot() throws {
        var net = try Network(ids: [1, 2, 3], policy: SnapshotPolicy(entries: 10, bytes: 0, keptTail: 2))
        net.drivers[1]!.campaign()
        try net.settle()
        net.cut = [3]
        for i in 0..<40 { _ = try net.drivers[1]!.propose([UInt8(i)]) }
        try net.settle()
        try net.tick(2)
        XCTAssertGreaterThan(try net.storages[1]!.firstIndex(), 5, "the leader compacted its log")
        XCTAssertGreaterThan(net.drivers[1]!.snapshotIndex, 0)
        net.cut = []
        try net.tick(4)
        let follower = net.drivers[3]!
        XCTAssertGreaterThan(follower.snapshotIndex, 0, "the lagging follower installed a snapshot")
        XCTAssertEqual(follower.state.appliedIndex, net.drivers[1]!.state.appliedIndex)
        XCTAssertEqual(follower.state.rollingHash, net.drivers[1]!.state.rollingHash)
        XCTAssertEqual(follower.state.count, net.drivers[1]!.state.count)
    }

    func testRestartFromStorageRestoresSnapshotAndReappliesTheRest() throws {
        var net = try Network(ids: [1, 2, 3], policy: SnapshotPolicy(entries: 8, bytes: 0, keptTail: 3))
        net.drivers[1]!.campaign()
        try net.settle()
        for i in 0..<21 { _ = try net.drivers[1]!.propose([UInt8(i)]) }
        try net.settle()
        _ = try net.drivers[1]!.propose([99])  // one entry after the last snapshot
        try net.settle()
        try net.tick(2)
        let before = net.drivers[2]!.state
        var config = Config(id: 2)
        config.electionTick = 5
        var restarted = try NodeDriver(config: config, storage: net.storages[2]!, snapshotPolicy: SnapshotPolicy(entries: 8, bytes: 0, keptTail: 3))
        XCTAssertGreaterThan(restarted.snapshotIndex, 0)
        XCTAssertLessThan(restarted.state.appliedIndex, before.appliedIndex)
        while restarted.hasReady { _ = try restarted.handleReady(send: { _ in }, now: { ContinuousClock().now }) }
        XCTAssertEqual(restarted.state.appliedIndex, before.appliedIndex)
        XCTAssertEqual(restarted.state.rollingHash, before.rollingHash)
    }

    func testMembershipChangesWithRecordsReachEveryDirectoryAndSurviveSnapshotsAndRestarts() throws {
        func record(_ id: String, _ n: Int, _ role: MemberRole) -> MemberRecord {
            MemberRecord(id: id, raft: PeerAddress(host: "10.0.0.\(n)", port: 7100), http: PeerAddress(host: "10.0.0.\(n)", port: 8100), role: role)
        }
        let founders = MemberDirectory([record("n1", 1, .voter), record("n2", 2, .voter), record("n3", 3, .voter)])
        let ids = founders.members.map(\.raftID)
        let policy = SnapshotPolicy(entries: 8, bytes: 0, keptTail: 3)
        var net = try Network(ids: ids, policy: policy, members: founders)
        let leader = ClusterConfig.raftID(for: "n1")
        net.drivers[leader]!.campaign()
        try net.settle()
        let kitchen = record("kitchen", 4, .listener)
        _ = try net.drivers[leader]!.proposeConfChange(ConfChange(.addLearner, node: kitchen.raftID, context: kitchen.encoded))
        var changes: [NodeID: [MemberDirectoryChange]] = [:]
        try net.settle { id, outcome in changes[id, default: []] += outcome.memberChanges }
        try net.tick(2) { id, outcome in changes[id, default: []] += outcome.memberChanges }
        for id in ids {
            XCTAssertEqual(changes[id], [.added(kitchen)], "node \(id)")
            XCTAssertEqual(net.drivers[id]!.members.member(id: "kitchen"), kitchen)
            XCTAssertEqual(net.drivers[id]!.confState.learners, [kitchen.raftID])
        }
        // A hostile record: Raft adds the learner, every directory ignores the record alike.
        changes = [:]
        _ = try net.drivers[leader]!.proposeConfChange(ConfChange(.addLearner, node: 77, context: [0xFF, 1, 2]))
        try net.settle { id, outcome in changes[id, default: []] += outcome.memberChanges }
        try net.tick(2) { id, outcome in changes[id, default: []] += outcome.memberChanges }
        for id in ids {
            XCTAssertEqual(changes[id], [.ignored("change of raft node 77: bad member record: truncated in magic (3 bytes)")])
            XCTAssertTrue(net.drivers[id]!.confState.learners.contains(77))
            XCTAssertNil(net.drivers[id]!.members.member(raftID: 77))
        }
        // Snapshots carry the directory; a restart from storage restores it, with the founders as bootstrap.
        for i in 0..<21 { _ = try net.drivers[leader]!.propose([UInt8(i)]) }
        try net.settle()
        try net.tick(2)
        let follower = ids.first { $0 != leader }!
        let before = net.drivers[follower]!.members
        var config = Config(id: follower)
        config.electionTick = 5
        var restarted = try NodeDriver(config: config, storage: net.storages[follower]!, snapshotPolicy: policy, members: founders)
        XCTAssertGreaterThan(restarted.snapshotIndex, 0)
        XCTAssertEqual(restarted.members, before, "restored from the snapshot")
        while restarted.hasReady { _ = try restarted.handleReady(send: { _ in }, now: { ContinuousClock().now }) }
        XCTAssertEqual(restarted.members, before)
    }

    /// The catalogue entries of media/sample.mp3 as stream `id`: start (heard from `startClusterTime`),
    /// fragments, end.
    static func sampleStreamEntries(id: StreamID, startClusterTime: ClusterTime = .zero) throws -> [[UInt8]] {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("media/sample.mp3").path
        let source = try MediaSource(path: path)
        let fragmenter = try source.fragments(targetSeconds: 2)
        var fragments: [Fragment] = []
        while let fragment = try fragmenter.next() { fragments.append(fragment) }
        let start = CatalogueStreamStart(
            id: id, name: "sample", source: CatalogueSource(fileName: "sample.mp3", size: 1, sha256: [UInt8](repeating: 7, count: 32)),
            headerRecord: source.header.encoded(), startClusterTime: startClusterTime, fragmentSeconds: 2,
            expectedFragmentCount: fragments.count, isPaced: false)
        return [CatalogueEntry.streamStarted(start).encoded()]
            + fragments.map { CatalogueEntry.fragment(stream: id, index: $0.index, record: $0.encoded()[...]).encoded() }
            + [CatalogueEntry.streamEnded(stream: id, fragmentCount: fragments.count, durationSeconds: 12).encoded()]
    }

    /// Each node decodes a committed fragment once: its catalogue validates the record, and the playback
    /// feed hands that decoded value to the node's engine (issue 14). Three nodes, six fragments: 18
    /// decodes in all, and every engine holds the six fragments.
    func testEachNodeDecodesACommittedFragmentOnceFromApplyToTheEngine() throws {
        var net = try Network(ids: [1, 2, 3])
        net.drivers[1]!.campaign()
        try net.settle()
        let clock = ManualClock(start: .seconds(1_000))
        var clusterClock = ClusterClock()
        _ = clusterClock.becomeLeader(at: clock.now)
        var engines: [NodeID: PlaybackEngine] = [:]
        var feeds: [NodeID: PlaybackFeed] = [:]
        var problems: [PlaybackFeedProblem] = []
        for id: NodeID in [1, 2, 3] {
            let engine = try PlaybackEngine(
                sink: MemorySink(), clock: clock, clusterClock: clusterClock, playLogDirectory: nil,
                configuration: .init(node: "n\(id)"))
            engines[id] = engine
            feeds[id] = PlaybackFeed(input: engine, events: CatalogueTwin()) { problems.append($0) }
        }
        let entries = try Self.sampleStreamEntries(id: 42, startClusterTime: ClusterTime(nanoseconds: 2_000_000_000_000))

        let before = FragmentDecodeCounter.decoded
        for payload in entries { _ = try net.drivers[1]!.propose(payload) }
        var fragmentChanges = 0
        let feed = { (id: NodeID, outcome: ReadyOutcome) in
            for change in outcome.catalogueChanges where change.event.changedCatalogue {
                if case .fragmentCommitted = change.event { fragmentChanges += 1 }
                feeds[id]!.apply(.catalogue(change))
            }
        }
        try net.settle(onOutcome: feed)
        try net.tick(2, onOutcome: feed)
        let decodes = FragmentDecodeCounter.decoded - before

        XCTAssertEqual(fragmentChanges, 3 * 6)
        XCTAssertEqual(decodes, 3 * 6, "one decode per committed fragment per node")
        XCTAssertEqual(problems, [])
        for (id, engine) in engines {
            XCTAssertEqual(engine.status.stream, 42, "node \(id)")
            XCTAssertEqual(engine.status.committedUndecodedFragments, 6, "node \(id): the engine holds every fragment")
        }
    }

    func testSnapshotsNeverCompactFragmentsTheCatalogueServesAndCarryTheCatalogue() throws {
        var net = try Network(ids: [1, 2, 3], policy: SnapshotPolicy(entries: 4, bytes: 0, keptTail: 1))
        net.drivers[1]!.campaign()
        try net.settle()
        net.cut = [3]
        for i in 0..<10 { _ = try net.drivers[1]!.propose([UInt8(i)]) }  // not catalogue entries: ignored, applied
        try net.settle()
        for payload in try Self.sampleStreamEntries(id: 42) { _ = try net.drivers[1]!.propose(payload) }
        try net.settle()
        for i in 0..<10 { _ = try net.drivers[1]!.propose([UInt8(i)]) }
        try net.settle()
        try net.tick(2)

        let leader = net.drivers[1]!
        let stream = try XCTUnwrap(leader.catalogue.stream(42))
        XCTAssertTrue(stream.hasEnded)
        XCTAssertEqual(stream.fragments.count, 6)
        let floor = try XCTUnwrap(leader.catalogue.retainedLogFloor)
        XCTAssertEqual(floor, stream.fragments[0].logIndex)
        XCTAssertGreaterThan(leader.snapshotIndex, 0, "a snapshot below the floor was taken")
        XCTAssertLessThan(leader.snapshotIndex, floor)
        XCTAssertLessThanOrEqual(try net.storages[1]!.firstIndex(), floor, "no served fragment was compacted")
        let leaderStore = CatalogueLogFragmentStore(storage: net.storages[1]!)
        let records = try (0..<6).map { try leader.catalogue.record(stream: 42, index: $0, in: leaderStore) }

        // The cut-off follower installs the snapshot, then receives the fragments from the log.
        net.cut = []
        try net.tick(4)
        let follower = net.drivers[3]!
        XCTAssertGreaterThan(follower.snapshotIndex, 0, "the follower caught up through a snapshot")
        XCTAssertEqual(follower.catalogue, leader.catalogue)
        let followerStore = CatalogueLogFragmentStore(storage: net.storages[3]!)
        XCTAssertEqual(try (0..<6).map { try follower.catalogue.record(stream: 42, index: $0, in: followerStore) }, records)

        // Once the stream is removed, the log is compacted past its fragments.
        _ = try net.drivers[1]!.propose(CatalogueEntry.streamRemoved(stream: 42).encoded())
        for i in 0..<12 { _ = try net.drivers[1]!.propose([UInt8(i)]) }
        try net.settle()
        try net.tick(2)
        XCTAssertNil(net.drivers[1]!.catalogue.retainedLogFloor)
        XCTAssertGreaterThan(try net.storages[1]!.firstIndex(), floor)
        XCTAssertEqual(net.drivers[2]!.catalogue, net.drivers[1]!.catalogue)
    }

    func testNodeSnapshotRoundTripAndRejection() throws {
        var summary = AppliedState()
        var catalogue = Catalogue()
        for (offset, payload) in try Self.sampleStreamEntries(id: 9).enumerated() {
            let entry = Entry(term: 1, index: UInt64(offset + 1), data: payload)
            summary.apply(entry)
            _ = catalogue.apply(payload: payload, at: entry.index, term: 1)
        }
        let members = MemberDirectory([
            MemberRecord(id: "n1", raft: PeerAddress(host: "h1", port: 7001), http: PeerAddress(host: "h1", port: 8001), role: .voter),
            MemberRecord(id: "tv", raft: PeerAddress(host: "h2", port: 7002), http: PeerAddress(host: "h2", port: 8002), role: .listener),
        ])
        let data = NodeSnapshot(summary: summary, members: members, catalogue: catalogue).encoded()
        XCTAssertEqual(Array(data.prefix(8)), Array("RCNS2".utf8) + [0, 0, 0])
        let decoded = try NodeSnapshot(decoding: data, index: summary.appliedIndex)
        XCTAssertEqual(decoded.catalogue, catalogue)
        XCTAssertEqual(decoded.members, members)
        XCTAssertEqual(decoded.summary.rollingHash, summary.rollingHash)
        XCTAssertThrowsError(try NodeSnapshot(decoding: data, index: summary.appliedIndex + 1))
        XCTAssertThrowsError(try NodeSnapshot(decoding: Array(data.prefix(40)), index: summary.appliedIndex))
        XCTAssertThrowsError(try NodeSnapshot(decoding: Array(data.prefix(60)), index: summary.appliedIndex))
        XCTAssertThrowsError(try NodeSnapshot(decoding: summary.snapshotData, index: summary.appliedIndex))
        // A damaged directory is named.
        var damaged = data
        damaged[44 + 4 + 4] = UInt8(ascii: "X")
        XCTAssertThrowsError(try NodeSnapshot(decoding: damaged, index: summary.appliedIndex)) { error in
            XCTAssertEqual(
                (error as? AppliedStateError)?.reason,
                "member directory in snapshot: bad member record: not a member record (no \"RCMR\" magic)")
        }
        // Version 1 (no directory) still reads, without a directory.
        let version1 = NodeSnapshot.magicVersion1 + summary.snapshotData + catalogue.snapshot()
        let old = try NodeSnapshot(decoding: version1, index: summary.appliedIndex)
        XCTAssertNil(old.members)
        XCTAssertEqual(old.catalogue, catalogue)
    }

    func testAStorageFailureStopsTheDriver() throws {
        var net = try Network(ids: [1, 2, 3])
        net.drivers[1]!.campaign()
        try net.settle()
        net.storages[1]!.injectedFailure = .io("disk on fire")
        _ = try net.drivers[1]!.propose([1])
        XCTAssertThrowsError(try net.drivers[1]!.handleReady(send: { _ in }, now: { ContinuousClock().now })) { error in
            XCTAssertEqual(error as? NodeDriverError, .storage(.io("disk on fire")))
        }
    }

    func testAppliedStateSnapshotRoundTripAndRejection() throws {
        var state = AppliedState()
        for i in 1...5 { state.apply(Entry(term: 1, index: UInt64(i), data: [UInt8(i)])) }
        var restored = AppliedState()
        try restored.restore(snapshotData: state.snapshotData, index: 5)
        XCTAssertEqual(restored.rollingHash, state.rollingHash)
        XCTAssertEqual(restored.count, 5)
        restored.apply(Entry(term: 2, index: 6, data: [9]))
        state.apply(Entry(term: 2, index: 6, data: [9]))
        XCTAssertEqual(restored.rollingHash, state.rollingHash)
        XCTAssertThrowsError(try restored.restore(snapshotData: state.snapshotData, index: 4))
        XCTAssertThrowsError(try restored.restore(snapshotData: [1, 2, 3], index: 6))
        var other = AppliedState()
        for i in 1...5 { other.apply(Entry(term: 1, index: UInt64(i), data: [UInt8(i + 1)])) }
        XCTAssertNotEqual(other.rollingHash, AppliedState().rollingHash)
        try restored.restore(snapshotData: state.snapshotData, index: 6)
        XCTAssertNotEqual(other.rollingHash, restored.rollingHash)
    }
}
