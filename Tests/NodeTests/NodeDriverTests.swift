import Node
import Raft
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

        init(ids: [NodeID], policy: SnapshotPolicy = SnapshotPolicy()) throws {
            for id in ids {
                let storage = MemoryStorage(confState: ConfState(voters: ids))
                var config = Config(id: id)
                config.electionTick = 5
                config.randomSeed = id
                storages[id] = storage
                drivers[id] = try NodeDriver(config: config, storage: storage, snapshotPolicy: policy)
            }
        }

        /// Handles every Ready and delivers messages until the network is quiet (bounded).
        mutating func settle(maxRounds: Int = 200) throws {
            for _ in 0..<maxRounds {
                var progressed = false
                for id in drivers.keys.sorted() where drivers[id]!.hasReady {
                    progressed = true
                    var sent: [Message] = []
                    _ = try drivers[id]!.handleReady(send: { sent.append($0) }, now: { ContinuousClock().now })
                    inFlight += sent
                }
                let deliver = inFlight
                inFlight = []
                for message in deliver where !cut.contains(message.to) && !cut.contains(message.from) {
                    progressed = true
                    drivers[message.to]!.step(message)
                }
                if !progressed { return }
            }
            XCTFail("network did not settle")
        }

        /// Ticks every connected node `count` times, settling after each tick.
        mutating func tick(_ count: Int) throws {
            for _ in 0..<count {
                for id in drivers.keys.sorted() where !cut.contains(id) { drivers[id]!.tick() }
                try settle()
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
