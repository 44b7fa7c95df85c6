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
        XCTAssertEqual(admission.evictionVictim(), flood[1])
        _ = admission.admit(from: "x")
        XCTAssertEqual(admission.evictionVictim(), flood[2])
        _ = admission.admit(from: "y")
        XCTAssertEqual(admission.count(from: "flood"), 1)
        XCTAssertEqual(admission.evictionVictim(), other[0], "tie at 2 against 1s: 'other' holds the most now")
        XCTAssertEqual(admission.count(from: "peer"), 1)
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
        var admission = Admission(maxTotal: 2)
        let a = admitted(admission.admit(from: "a"))!
        let b = admitted(admission.admit(from: "a"))!
        admission.setEvictable(a, false)
        XCTAssertEqual(admission.admit(from: "c"), .admittedEvicting(3, victim: b))
        admission.setEvictable(3, false)
        XCTAssertEqual(admission.admit(from: "d"), .refused(.full))
        // Evictable again, a connection queues behind those that waited longer.
        admission.setEvictable(a, true)
        admission.setEvictable(3, true)
        XCTAssertEqual(admission.evictionVictim(), a)
        admission.setEvictable(a, false)
        admission.setEvictable(a, true)
        XCTAssertEqual(admission.evictionVictim(), 3)
        XCTAssertEqual(admission.evictableCount, 2)
    }
}
