import XCTest

@testable import Transport

/// The admission state machine behind the raft port's and the HTTP API's connection caps.
final class ConnectionAdmissionTests: XCTestCase {
    typealias Admission = ConnectionAdmission<String>

    private func admitted(_ decision: Admission.Decision, file: StaticString = #filePath, line: UInt = #line) -> Admission.ID? {
        switch decision {
        case .admitted(let id), .admittedEvicting(let id, _): return id
        case .refused: XCTFail("refused: \(decision)", file: file, line: line); return nil
        }
    }

    func testCapPerSourceRefusesWithoutEvicting() {
        var admission = Admission(maxTotal: 10, maxPerSource: 3)
        let ids = (0..<3).compactMap { _ in admitted(admission.admit(from: "a")) }
        XCTAssertEqual(ids.count, 3)
        XCTAssertEqual(admission.admit(from: "a"), .refused(.sourceFull))
        XCTAssertEqual(admission.count(from: "a"), 3, "a refusal evicts nothing")
        XCTAssertNotNil(admitted(admission.admit(from: "b")), "another address still gets in")
        XCTAssertTrue(admission.release(ids[0]))
        XCTAssertFalse(admission.release(ids[0]), "releasing twice is harmless")
        XCTAssertNotNil(admitted(admission.admit(from: "a")), "a released connection frees its address's slot")
        XCTAssertEqual(admission.count, 4)
    }

    func testFullListenerEvictsTheLongestWaiterOfTheBusiestSource() {
        var admission = Admission(maxTotal: 6, maxPerSource: 4)
        let flood = (0..<4).compactMap { _ in admitted(admission.admit(from: "flood")) }
        let other = (0..<2).compactMap { _ in admitted(admission.admit(from: "other")) }
        XCTAssertEqual(admission.count, 6)
        // A newcomer from a quiet address evicts the flood's oldest connection, not "other"'s.
        let peer = admission.admit(from: "peer")
        XCTAssertEqual(peer, .admittedEvicting(flood.last! + 3, victim: flood[0]))
        XCTAssertEqual(admission.count, 6)
        XCTAssertEqual(admission.count(from: "flood"), 3)
        // Next: the flood (3) is still the busiest; then it ties with "other" (2) and the longer waiter goes.
        XCTAssertEqual(admission.evictionVictim(for: "x"), flood[1])
        _ = admission.admit(from: "x")
        XCTAssertEqual(admission.evictionVictim(for: "y"), flood[2])
        _ = admission.admit(from: "y")
        XCTAssertEqual(admission.count(from: "flood"), 1)
        XCTAssertEqual(admission.evictionVictim(for: "z"), other[0], "'other' holds the most now (2)")
        XCTAssertEqual(admission.count(from: "peer"), 1)
    }

    func testANewcomerNeverEvictsFromASourceNoBusierThanItsOwn() {
        var admission = Admission(maxTotal: 4)
        for source in ["a", "a", "b", "c"] { _ = admitted(admission.admit(from: source)) }
        // "a" holds 2: a newcomer from "a" would hold 2 as well, so it is refused rather than churning "a".
        XCTAssertEqual(admission.admit(from: "a"), .refused(.full))
        XCTAssertNil(admission.evictionVictim(for: "a"))
        // From a new address it would hold 1 < 2: it evicts "a"'s longest waiter.
        XCTAssertEqual(admission.admit(from: "d"), .admittedEvicting(5, victim: 1))
        // Now every address holds 1: a single waiting connection is never evicted.
        XCTAssertEqual(admission.admit(from: "e"), .refused(.full))
        XCTAssertEqual(admission.count, 4)
    }

    func testALoneConnectionSurvivesAFloodFromFewerAddressesThanTheCap() {
        // 8 slots; the flood comes from 5 addresses at up to 3 each, in bursts of 5 from one address.
        // The peer's one connection must survive any number of flood connections: the 7 other slots
        // always hold 2 or more from some flooding address.
        var admission = Admission(maxTotal: 8, maxPerSource: 3)
        let peer = admitted(admission.admit(from: "peer"))!
        var refusals = 0
        for i in 0..<10_000 {
            switch admission.admit(from: "flood-\((i / 5) % 5)") {
            case .refused: refusals += 1
            case .admittedEvicting(_, let victim): XCTAssertNotEqual(victim, peer)
            case .admitted: break
            }
            XCTAssertLessThanOrEqual(admission.count, 8)
        }
        XCTAssertTrue(admission.isEvictable(peer))
        XCTAssertGreaterThan(refusals, 0, "addresses at their cap are refused")
    }

    func testBusyConnectionsAreNeverEvictedAndAFullBusyListenerRefuses() {
        var admission = Admission(maxTotal: 3)
        let a1 = admitted(admission.admit(from: "a"))!
        let a2 = admitted(admission.admit(from: "a"))!
        let a3 = admitted(admission.admit(from: "a"))!
        admission.setEvictable(a1, false)
        XCTAssertFalse(admission.isEvictable(a1))
        // "a" has 2 evictable (a2, a3): the busy a1 is skipped, the longest waiter a2 goes.
        XCTAssertEqual(admission.admit(from: "c"), .admittedEvicting(4, victim: a2))
        admission.setEvictable(4, false)
        admission.setEvictable(a3, false)
        XCTAssertEqual(admission.evictableCount, 0)
        XCTAssertEqual(admission.admit(from: "d"), .refused(.full), "nothing evictable")
        // Evictable again, a connection queues behind those that waited longer.
        admission.setEvictable(a3, true)
        admission.setEvictable(a1, true)
        XCTAssertEqual(admission.evictionVictim(for: "z"), a3)
        admission.setEvictable(a3, false)
        admission.setEvictable(a3, true)
        XCTAssertEqual(admission.evictionVictim(for: "z"), a1)
        XCTAssertEqual(admission.evictableCount, 2)
    }
}
