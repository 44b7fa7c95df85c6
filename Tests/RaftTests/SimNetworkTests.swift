import Raft
import RaftTesting
import XCTest

/// The simulated network, event queue and generator on their own.
final class SimNetworkTests: XCTestCase {
    func testPartitionLetsGroupsTalkOnlyWithin() {
        var net = SimNetwork(capacity: 5)
        net.partition([[1, 2], [3, 4]])
        XCTAssertTrue(net.isOpen(from: 1, to: 2))
        XCTAssertTrue(net.isOpen(from: 4, to: 3))
        XCTAssertFalse(net.isOpen(from: 1, to: 3))
        XCTAssertFalse(net.isOpen(from: 3, to: 2))
        // Node 5 is in no group: cut off from everyone.
        for other: NodeID in 1...4 {
            XCTAssertFalse(net.isOpen(from: 5, to: other))
            XCTAssertFalse(net.isOpen(from: other, to: 5))
        }
        net.healLinks()
        XCTAssertTrue(net.isOpen(from: 1, to: 3))
        XCTAssertTrue(net.isOpen(from: 5, to: 1))
    }

    func testOneWayCutBlocksOnlyThatDirection() {
        var net = SimNetwork(capacity: 3)
        net.setLink(from: 1, to: 2, open: false)
        var random = SimRandom(seed: 1)
        XCTAssertEqual(net.fate(from: 1, to: 2, random: &random), .blocked)
        if case .delivered(let delays) = net.fate(from: 2, to: 1, random: &random) {
            XCTAssertEqual(delays.count, 1)
        } else {
            XCTFail("2 -> 1 should deliver")
        }
        XCTAssertFalse(net.isOpen(from: 1, to: 4), "ids beyond capacity are unreachable")
    }

    func testIsolateCutsBothDirectionsOfOneNode() {
        var net = SimNetwork(capacity: 4)
        net.isolate(2)
        for other: NodeID in [1, 3, 4] {
            XCTAssertFalse(net.isOpen(from: 2, to: other))
            XCTAssertFalse(net.isOpen(from: other, to: 2))
        }
        XCTAssertTrue(net.isOpen(from: 1, to: 3))
    }

    func testLossDuplicationAndDelayFollowTheConditions() {
        let conditions = SimNetwork.Conditions(
            lossRate: 0.2, duplicateRate: 0.1, minDelay: 3, maxDelay: 9, reorderRate: 0.05, maxReorderDelay: 400)
        let net = SimNetwork(capacity: 2, conditions: conditions)
        var random = SimRandom(seed: 42)
        var lost = 0, duplicated = 0, long = 0
        let trials = 20_000
        for _ in 0..<trials {
            switch net.fate(from: 1, to: 2, random: &random) {
            case .blocked: XCTFail("link is open")
            case .lost: lost += 1
            case .delivered(let delays):
                if delays.count == 2 { duplicated += 1 }
                for d in delays {
                    XCTAssertGreaterThanOrEqual(d, 3)
                    XCTAssertLessThanOrEqual(d, 400)
                    if d > 9 { long += 1 }
                }
            }
        }
        XCTAssertEqual(Double(lost) / Double(trials), 0.2, accuracy: 0.02)
        XCTAssertEqual(Double(duplicated) / Double(trials - lost), 0.1, accuracy: 0.02)
        // About 5% take the long path, and almost all of those exceed the short bound.
        XCTAssertEqual(Double(long) / Double(trials - lost + duplicated), 0.05, accuracy: 0.015)
    }

    func testEventQueueOrdersByTimeThenBySchedulingOrder() {
        var q = SimEventQueue()
        q.push(.tick(3), at: 20)
        q.push(.tick(1), at: 10)
        q.push(.tick(2), at: 10)
        q.push(.unreachable(from: 1, to: 2), at: 5)
        q.push(.tick(4), at: 10)
        var order: [String] = []
        while let (t, e) = q.pop() {
            switch e {
            case .tick(let id): order.append("\(t):tick\(id)")
            case .unreachable: order.append("\(t):unreachable")
            default: order.append("\(t):other")
            }
        }
        XCTAssertEqual(order, ["5:unreachable", "10:tick1", "10:tick2", "10:tick4", "20:tick3"])
    }

    func testEventQueueHandlesManyRandomEventsInOrder() {
        var q = SimEventQueue()
        var random = SimRandom(seed: 7)
        var expected: [(UInt64, Int)] = []
        for k in 0..<2000 {
            let t = random.uint64(in: 0...300)
            q.push(.tick(NodeID(k)), at: t)
            expected.append((t, k))
        }
        expected.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        q.removeAll { if case .tick(let id) = $0 { return id % 3 == 0 } else { return false } }
        expected.removeAll { $0.1 % 3 == 0 }
        var got: [(UInt64, Int)] = []
        while let (t, e) = q.pop() {
            if case .tick(let id) = e { got.append((t, Int(id))) }
        }
        XCTAssertEqual(got.map(\.0), expected.map(\.0))
        XCTAssertEqual(got.map(\.1), expected.map(\.1))
    }

    func testGeneratorIsReproducibleAndSeedSensitive() {
        var a = SimRandom(seed: 99)
        var b = SimRandom(seed: 99)
        var c = SimRandom(seed: 100)
        let sa = (0..<100).map { _ in a.next() }
        let sb = (0..<100).map { _ in b.next() }
        let sc = (0..<100).map { _ in c.next() }
        XCTAssertEqual(sa, sb)
        XCTAssertNotEqual(sa, sc)
        XCTAssertEqual(Set(sa).count, 100)
        var r = SimRandom(seed: 5)
        let picks = (0..<6000).map { _ in r.int(in: 1...6) }
        for face in 1...6 {
            XCTAssertEqual(Double(picks.filter { $0 == face }.count) / 6000, 1.0 / 6, accuracy: 0.02)
        }
    }

    func testStableHashDistinguishesContentsAndIsFNV() {
        // FNV-1a 64 of "a" is the published test vector af63dc4c8601ec8c.
        XCTAssertEqual(StableHash.fnv1a(Array("a".utf8)), 0xAF63_DC4C_8601_EC8C)
        XCTAssertEqual(StableHash.fnv1a([]), 0xCBF2_9CE4_8422_2325)
        XCTAssertNotEqual(StableHash.mix(1, 2), StableHash.mix(2, 1))
    }
}
