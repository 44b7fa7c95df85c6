import XCTest

@testable import Transport

final class PeerTableTests: XCTestCase {
    let here = PeerAddress(host: "127.0.0.1", port: 7001)
    let there = PeerAddress(host: "127.0.0.2", port: 7002)

    func testStartsFromTheConfiguredPeersWithoutTheLocalNode() {
        let table = PeerTable(localID: "a", peers: ["c": here, "a": there, "b": there])
        XCTAssertEqual(table.ids, ["b", "c"])
        XCTAssertEqual(table.standing(of: "c"), .peer(here))
        XCTAssertEqual(table.standing(of: "a"), .unknown, "the node itself is never a peer")
        XCTAssertEqual(table.standing(of: "zz"), .unknown)
        XCTAssertTrue(table.removedIDs.isEmpty)
    }

    func testAddMoveRemoveAndAddAgain() throws {
        var table = PeerTable(localID: "a", peers: [:])
        XCTAssertEqual(try table.add("b", at: here), .added)
        XCTAssertEqual(table.standing(of: "b"), .peer(here))
        XCTAssertEqual(try table.add("b", at: here), .unchanged)
        XCTAssertEqual(try table.add("b", at: there), .moved(from: here))
        XCTAssertEqual(table.standing(of: "b"), .peer(there))
        XCTAssertEqual(table.setAddress(here, for: "b"), .moved(from: there))
        XCTAssertEqual(table.setAddress(here, for: "b"), .unchanged)

        XCTAssertEqual(table.remove("b"), .removed(here))
        XCTAssertEqual(table.standing(of: "b"), .removed)
        XCTAssertEqual(table.ids, [])
        XCTAssertEqual(table.removedIDs, ["b"])
        XCTAssertEqual(table.remove("b"), .notAPeer)
        XCTAssertEqual(table.setAddress(there, for: "b"), .notAPeer, "a removed peer is not moved back in")
        XCTAssertEqual(table.standing(of: "b"), .removed)

        XCTAssertEqual(try table.add("b", at: there), .added)
        XCTAssertEqual(table.standing(of: "b"), .peer(there))
        XCTAssertEqual(table.removedIDs, [])
        XCTAssertEqual(table.remove("never"), .notAPeer)
        XCTAssertEqual(table.standing(of: "never"), .unknown)
    }

    func testRefusesTheLocalIDAndIDsTheHandshakeCannotCarry() throws {
        var table = PeerTable(localID: "a", peers: ["b": here])
        let before = table
        XCTAssertThrowsError(try table.add("a", at: here)) { XCTAssertEqual($0 as? PeerTable.Refusal, .localNode("a")) }
        XCTAssertThrowsError(try table.add("", at: here)) { XCTAssertEqual($0 as? PeerTable.Refusal, .invalidID("")) }
        let tooLong = String(repeating: "é", count: 128)  // 256 bytes of UTF-8
        XCTAssertThrowsError(try table.add(tooLong, at: here)) {
            XCTAssertEqual($0 as? PeerTable.Refusal, .invalidID(tooLong))
        }
        XCTAssertEqual(table, before, "a refused add changes nothing")
        let longest = String(repeating: "x", count: PeerTable.maxIDBytes)
        XCTAssertEqual(try table.add(longest, at: there), .added)
        // The longest id survives the hello's encoding, so that peer can authenticate.
        let hello = ClientHello(lane: .control, nonce: Array(repeating: 1, count: 32), clusterName: "c", from: longest, to: "a")
        XCTAssertEqual(ClientHello(body: hello.encodedBody())?.from, longest)
        XCTAssertTrue(PeerTable.Refusal.localNode("a").description.contains("own id"))
    }
}
