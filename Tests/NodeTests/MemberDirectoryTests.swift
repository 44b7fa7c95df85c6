import Node
import Raft
import RaftcastClient
import Transport
import XCTest

/// The replicated member directory: bootstrap from cluster.yaml, committed changes with and without
/// records, hostile records ignored, and its snapshot encoding.
final class MemberDirectoryTests: XCTestCase {
    private func record(_ id: String, _ port: Int, _ role: MemberRole = .listener) -> MemberRecord {
        MemberRecord(id: id, raft: PeerAddress(host: "10.0.0.\(port % 250)", port: 7000 + port),
                     http: PeerAddress(host: "10.0.0.\(port % 250)", port: 8000 + port), role: role)
    }

    private var founders: MemberDirectory { MemberDirectory([record("n1", 1, .voter), record("n2", 2, .voter), record("tv", 3)]) }

    func testBootstrapFromClusterYAMLWithRoles() throws {
        let directory = try RouteTesting.directory(for: self, prefix: "raftcast-members")
        let cluster = try InProcessNode.writeConfig(in: directory, secret: "members-secret-0123456789", name: "members", settings: [])
        let members = MemberDirectory(bootstrap: cluster)
        XCTAssertEqual(members.members.map(\.id), cluster.nodes.map(\.id).sorted())
        XCTAssertEqual(members.member(raftID: cluster.nodes[0].raftID)?.raft, cluster.nodes[0].raft)
        XCTAssertEqual(members.confState, cluster.bootstrapConfState)
    }

    func testAddsWithRecordsMoveRolesAndRemovals() {
        var members = founders
        let kitchen = record("kitchen", 4, .voter)
        XCTAssertEqual(
            members.apply(ConfChange(.addLearner, node: kitchen.raftID, context: kitchen.encoded)),
            .added(record("kitchen", 4, .listener)), "the operation gives the role")
        XCTAssertEqual(members.confState.learners.sorted(), [kitchen.raftID, ClusterConfig.raftID(for: "tv")].sorted())
        XCTAssertEqual(
            members.apply(ConfChange(.addVoter, node: kitchen.raftID)),
            .updated(from: record("kitchen", 4, .listener), to: record("kitchen", 4, .voter)), "a promotion without a record")
        let moved = record("kitchen", 9, .voter)
        XCTAssertEqual(
            members.apply(ConfChange(.addVoter, node: kitchen.raftID, context: moved.encoded)),
            .updated(from: record("kitchen", 4, .voter), to: moved))
        XCTAssertEqual(members.apply(ConfChange(.addVoter, node: moved.raftID, context: moved.encoded)), .unchanged)
        XCTAssertEqual(members.apply(ConfChange(.remove, node: moved.raftID)), .removed(moved))
        XCTAssertNil(members.member(id: "kitchen"))
        XCTAssertNil(members.member(raftID: moved.raftID))
        XCTAssertEqual(members.apply(ConfChange(.remove, node: 12345)), .unchanged)
        // The first leader's bootstrap entries carry no record: a no-op for founders.
        XCTAssertEqual(members.apply(ConfChange(.addVoter, node: ClusterConfig.raftID(for: "n1"))), .unchanged)
        XCTAssertEqual(members, founders)
    }

    func testUnusableRecordsAreIgnoredWithAReason() {
        var members = founders
        let stranger = record("stranger", 5)
        XCTAssertEqual(
            members.apply(ConfChange(.addLearner, node: 77)),
            .ignored("raft node 77 was added without a member record; its addresses are unknown"))
        XCTAssertEqual(
            members.apply(ConfChange(.addLearner, node: 77, context: stranger.encoded)),
            .ignored("change of raft node 77 carries the record of \"stranger\" (raft node \(stranger.raftID))"))
        XCTAssertEqual(
            members.apply(ConfChange(.addLearner, node: 77, context: [1, 2, 3])),
            .ignored("change of raft node 77: bad member record: truncated in magic (3 bytes)"))
        XCTAssertEqual(members, founders)
    }

    func testSnapshotEncodingRoundTripsAndRefusesHostileBytes() throws {
        let bytes = founders.encoded
        XCTAssertEqual(try MemberDirectory(encoded: bytes[...]), founders)
        XCTAssertEqual(try MemberDirectory(encoded: MemberDirectory().encoded[...]), MemberDirectory())
        XCTAssertThrowsError(try MemberDirectory(encoded: (bytes + [0])[...]))
        XCTAssertThrowsError(try MemberDirectory(encoded: bytes.dropLast()))
        XCTAssertThrowsError(try MemberDirectory(encoded: [0xFF, 0xFF, 0xFF, 0xFF][...]))
        let twice = MemberDirectory([record("n1", 1)]).encoded
        var duplicated = twice
        duplicated[0] = 2
        duplicated += twice.dropFirst(4)
        XCTAssertThrowsError(try MemberDirectory(encoded: duplicated[...])) { error in
            XCTAssertEqual((error as? MemberRecordError)?.reason, "member directory lists \"n1\" twice")
        }
        var rng = SplitMix64(seed: 99)
        for _ in 0..<5_000 {
            var mutated = bytes
            mutated[Int(rng.next() % UInt64(mutated.count))] = UInt8(truncatingIfNeeded: rng.next())
            if let decoded = try? MemberDirectory(encoded: mutated[...]) {
                XCTAssertEqual(try MemberDirectory(encoded: decoded.encoded[...]), decoded)
            }
        }
    }
}
