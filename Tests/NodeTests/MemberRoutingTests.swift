import Logging
import Node
import Raft
import RaftcastClient
import TestSupport
import Transport
import XCTest

/// The transport follows the replicated member directory (two real Transports on 127.0.0.1): a member
/// added to the directory is dialed, accepted and reachable, a moved one is dialed at its new address, a
/// removed one is dropped and refused; Raft ids route to member ids only while they are members.
final class MemberRoutingTests: XCTestCase {
    func testTheTransportFollowsTheDirectory() async throws {
        let secret = Array("0123456789abcdef0123456789abcdef".utf8)
        func make(_ id: String) -> Transport {
            Transport(config: TransportConfig(
                clusterName: "c", secret: secret, localID: id, listenAddress: PeerAddress(host: "127.0.0.1", port: 0),
                peers: [:], backoff: BackoffPolicy(initial: .milliseconds(10), maximum: .milliseconds(100))))
        }
        let a = make("n1"), b = make("kitchen")
        try await a.listen()
        try await b.listen()
        try await a.start()
        try await b.start()
        addTeardownBlock {
            await a.shutdown()
            await b.shutdown()
        }
        let unused = PeerAddress(host: "127.0.0.1", port: 1)
        let n1 = MemberRecord(id: "n1", raft: a.listeningAddress!, http: unused, role: .voter)
        let kitchen = MemberRecord(id: "kitchen", raft: b.listeningAddress!, http: unused, role: .listener)
        var logger = Logger(label: "member-routing-test")
        logger.logLevel = .critical

        let routingA = MemberRouting(directory: MemberDirectory([n1]), transport: a, localID: "n1", logger: logger)
        let routingB = MemberRouting(directory: MemberDirectory([n1, kitchen]), transport: b, localID: "kitchen", logger: logger)
        XCTAssertEqual(a.peers.ids, [], "the local member is never a peer")
        XCTAssertEqual(b.peers.ids, ["n1"])
        XCTAssertNil(routingA.peerID(raftID: kitchen.raftID))

        // Added: dialed, accepted by the other side (which has it), reachable, routed.
        routingA.update(MemberDirectory([n1, kitchen]))
        XCTAssertEqual(a.peers.addresses, ["kitchen": kitchen.raft])
        XCTAssertEqual(routingA.peerID(raftID: kitchen.raftID), "kitchen")
        try await eventually("n1 and kitchen reach each other") { routingA.isReachable("kitchen") && routingB.isReachable("n1") }
        XCTAssertEqual(a.send([1, 2, 3], to: "kitchen", lane: .control), .queued)

        // Moved: dialed at the new address from the next attempt on.
        let moved = MemberRecord(id: "kitchen", raft: PeerAddress(host: "127.0.0.1", port: 2), http: unused, role: .voter)
        routingA.update(MemberDirectory([n1, moved]))
        XCTAssertEqual(a.peers.addresses, ["kitchen": moved.raft])
        routingA.update(MemberDirectory([n1, kitchen]))

        // Removed: dropped and refused; no longer routed.
        routingA.update(MemberDirectory([n1]))
        XCTAssertEqual(a.peers.standing(of: "kitchen"), .removed)
        XCTAssertNil(routingA.peerID(raftID: kitchen.raftID))
        XCTAssertEqual(a.send([4], to: "kitchen", lane: .control), .dropped(.peerRemoved))
        try await eventually("kitchen's connections to n1 are gone") { !routingA.isReachable("kitchen") && !routingB.isReachable("n1") }
    }

    /// With a departure grace, a removed member stays routed and connected for the grace (the leader's last
    /// message must reach it), then is dropped; ``MemberRouting/leave()`` drops every peer at once.
    func testADepartedMemberKeepsItsRouteForTheGraceAndLeaveDropsEveryone() async throws {
        let secret = Array("0123456789abcdef0123456789abcdef".utf8)
        func make(_ id: String) -> Transport {
            Transport(config: TransportConfig(
                clusterName: "c", secret: secret, localID: id, listenAddress: PeerAddress(host: "127.0.0.1", port: 0),
                peers: [:], backoff: BackoffPolicy(initial: .milliseconds(10), maximum: .milliseconds(100))))
        }
        let a = make("n1"), b = make("kitchen")
        for transport in [a, b] {
            try await transport.listen()
            try await transport.start()
        }
        addTeardownBlock {
            await a.shutdown()
            await b.shutdown()
        }
        let unused = PeerAddress(host: "127.0.0.1", port: 1)
        let n1 = MemberRecord(id: "n1", raft: a.listeningAddress!, http: unused, role: .voter)
        let kitchen = MemberRecord(id: "kitchen", raft: b.listeningAddress!, http: unused, role: .listener)
        var logger = Logger(label: "member-routing-test")
        logger.logLevel = .critical
        let both = MemberDirectory([n1, kitchen])
        let routingA = MemberRouting(directory: both, transport: a, localID: "n1", logger: logger, departureGrace: .milliseconds(300))
        let routingB = MemberRouting(directory: both, transport: b, localID: "kitchen", logger: logger)
        try await eventually("n1 and kitchen reach each other") { routingA.isReachable("kitchen") && routingB.isReachable("n1") }

        let removedAt = ContinuousClock.now
        routingA.update(MemberDirectory([n1]))
        XCTAssertEqual(routingA.peerID(raftID: kitchen.raftID), "kitchen", "still routed during the grace")
        XCTAssertEqual(a.send([1], to: "kitchen", lane: .control), .queued)
        try await eventually("dropped after the grace") { a.peers.standing(of: "kitchen") == .removed }
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - removedAt, .milliseconds(300))
        XCTAssertNil(routingA.peerID(raftID: kitchen.raftID))

        // kitchen leaves: its transport keeps no peer and routes nothing.
        routingB.leave()
        XCTAssertEqual(b.peers.ids, [])
        XCTAssertNil(routingB.peerID(raftID: n1.raftID))
        routingB.update(both)
        XCTAssertEqual(b.peers.ids, [], "a node that left follows no directory any more")
    }
}
