import Node
import Raft
import RaftcastClient
import Transport
import XCTest

/// The leader's membership decisions (``MembershipCheck``): each refusal of the brief with its reason, and
/// the change (operation, Raft id, record as context) of every accepted request.
final class MembershipCheckTests: XCTestCase {
    private func record(_ id: String, _ n: Int, _ role: MemberRole) -> MemberRecord {
        MemberRecord(id: id, raft: PeerAddress(host: "10.0.0.\(n)", port: 7100), http: PeerAddress(host: "10.0.0.\(n)", port: 8100), role: role)
    }

    private lazy var n1 = record("n1", 1, .voter)
    private lazy var n2 = record("n2", 2, .voter)
    private lazy var n3 = record("n3", 3, .voter)
    private lazy var tv = record("tv", 4, .listener)

    /// n1 leads n1-n3 (voters) and tv (listener), last index 500; `heard`: the members heard from recently.
    private func check(heard: [MemberRecord], pending: Bool = false, tvMatch: UInt64 = 500, role: Role = .leader) -> MembershipCheck {
        let directory = MemberDirectory([n1, n2, n3, tv])
        var progress: [NodeID: PeerProgress] = [:]
        for member in [n1, n2, n3, tv] {
            progress[member.raftID] = PeerProgress(
                match: member.id == "tv" ? tvMatch : 500, next: 501, state: .replicate, recentActive: true,
                isLearner: member.role == .listener, inflightMessages: 0, inflightBytes: 0)
        }
        let status = Status(
            id: n1.raftID, term: 4, vote: n1.raftID, commit: 500, applied: 500, lastIndex: 500, role: role,
            leader: role == .leader ? n1.raftID : n2.raftID, progress: role == .leader ? progress : [:], leadTransferee: .none,
            confState: directory.confState)
        return MembershipCheck(
            directory: directory, status: status, changePending: pending, heard: Set(heard.map(\.raftID)),
            leaderName: role == .leader ? nil : "n2")
    }

    private func refusal(_ check: MembershipCheck, _ request: MembershipRequest, file: StaticString = #filePath, line: UInt = #line) -> MembershipRefusal? {
        guard case .failure(let refusal) = check.change(for: request) else {
            XCTFail("\(request) was accepted", file: file, line: line)
            return nil
        }
        return refusal
    }

    private func change(_ check: MembershipCheck, _ request: MembershipRequest, file: StaticString = #filePath, line: UInt = #line) -> ConfChange? {
        switch check.change(for: request) {
        case .success(let (change, _)): return change
        case .failure(let refusal):
            XCTFail("\(request) was refused: \(refusal.message)", file: file, line: line)
            return nil
        }
    }

    func testAcceptedChangesCarryTheRecordWithItsNewRole() throws {
        let all = check(heard: [n2, n3, tv])
        let kitchen = record("kitchen", 9, .listener)
        XCTAssertEqual(change(all, .add(kitchen)), ConfChange(.addLearner, node: kitchen.raftID, context: kitchen.encoded))
        var voter = kitchen
        voter.role = .voter
        XCTAssertEqual(change(all, .add(voter)), ConfChange(.addVoter, node: kitchen.raftID, context: voter.encoded))
        var promoted = tv
        promoted.role = .voter
        XCTAssertEqual(change(all, .promote(id: "tv")), ConfChange(.addVoter, node: tv.raftID, context: promoted.encoded))
        var demoted = n3
        demoted.role = .listener
        XCTAssertEqual(change(all, .demote(id: "n3")), ConfChange(.addLearner, node: n3.raftID, context: demoted.encoded))
        XCTAssertEqual(change(all, .remove(id: "tv")), ConfChange(.remove, node: tv.raftID, context: tv.encoded))
        XCTAssertEqual(change(all, .remove(id: "n2")), ConfChange(.remove, node: n2.raftID, context: n2.encoded))
    }

    func testQuorumWithOneOfThreeVotersDead() {
        // n3 is dead: removing a live voter leaves n1 + dead n3 (1 of 2 live) — refused; removing n3 is fine.
        let oneDead = check(heard: [n2, tv])
        XCTAssertEqual(refusal(oneDead, .remove(id: "n2")), .wouldLoseQuorum(change: "remove n2", live: 1, voters: 2))
        XCTAssertEqual(change(oneDead, .remove(id: "n3"))?.operation, .remove)
        // Adding a fresh voter: 2 live of 4 — refused; demoting n2 leaves 1 live of 2 voters — refused.
        XCTAssertEqual(
            refusal(oneDead, .add(record("fresh", 9, .voter))), .wouldLoseQuorum(change: "add fresh", live: 2, voters: 4))
        XCTAssertEqual(refusal(oneDead, .demote(id: "n2")), .wouldLoseQuorum(change: "demote n2", live: 1, voters: 2))
        // A listener changes no voter set: adding one is fine.
        XCTAssertNotNil(change(oneDead, .add(record("kitchen", 9, .listener))))
        // Once n3 is gone (2 voters, both live), a fresh voter makes 3 with 2 live: allowed.
        let directory = MemberDirectory([n1, n2, tv])
        var twoVoters = oneDead
        twoVoters.directory = directory
        twoVoters.status.confState = directory.confState
        XCTAssertEqual(change(twoVoters, .add(record("fresh", 9, .voter)))?.operation, .addVoter)
    }

    func testRefusalsWithTheirReasons() {
        let all = check(heard: [n2, n3, tv])
        XCTAssertEqual(refusal(all, .remove(id: "ghost")), .unknownMember("ghost"))
        XCTAssertEqual(refusal(all, .promote(id: "ghost")), .unknownMember("ghost"))
        XCTAssertEqual(refusal(all, .add(record("n2", 9, .listener))), .idTaken("n2"))
        XCTAssertEqual(refusal(all, .add(record("kitchen", 2, .listener))), .addressTaken(address: "10.0.0.2:7100", holder: "n2"))
        XCTAssertEqual(refusal(all, .remove(id: "n1")), .leaderWouldLeave("n1"))
        XCTAssertEqual(refusal(all, .demote(id: "n1")), .leaderWouldLeave("n1"))
        XCTAssertEqual(refusal(all, .promote(id: "n2")), .alreadyInRole(id: "n2", role: .voter))
        XCTAssertEqual(refusal(all, .demote(id: "tv")), .alreadyInRole(id: "tv", role: .listener))
        XCTAssertEqual(refusal(check(heard: [n2, n3, tv], pending: true), .remove(id: "tv")), .changeInProgress)
        XCTAssertEqual(refusal(check(heard: [n2, n3, tv], role: .follower), .remove(id: "tv")), .notLeader(leader: "n2"))
        XCTAssertEqual(
            refusal(all, .add(MemberRecord(id: "bad id", raft: n1.raft, http: n1.http, role: .listener))),
            .invalidRecord("id \"bad id\" may contain only letters, digits, '.', '_' and '-' (1-64 characters)"))
        // Promotion: a listener behind by more than the bound, or silent, is refused.
        let behind = check(heard: [n2, n3, tv], tvMatch: 500 - MembershipCheck.catchUpEntries - 1)
        XCTAssertEqual(
            refusal(behind, .promote(id: "tv")),
            .notCaughtUp(id: "tv", match: 500 - MembershipCheck.catchUpEntries - 1, lastIndex: 500, heard: true))
        XCTAssertNotNil(change(check(heard: [n2, n3, tv], tvMatch: 500 - MembershipCheck.catchUpEntries), .promote(id: "tv")))
        XCTAssertEqual(refusal(check(heard: [n2, n3]), .promote(id: "tv")), .notCaughtUp(id: "tv", match: 500, lastIndex: 500, heard: false))
        // Every refusal's message is one line.
        for refusal in [
            MembershipRefusal.wouldLoseQuorum(change: "remove n2", live: 1, voters: 2), .leaderWouldLeave("n1"),
            .notCaughtUp(id: "tv", match: 1, lastIndex: 500, heard: true), .changeInProgress,
        ] {
            XCTAssertFalse(refusal.message.contains("\n"))
        }
        XCTAssertEqual(
            MembershipRefusal.wouldLoseQuorum(change: "remove n2", live: 1, voters: 2).message,
            "remove n2 would lose the quorum: 1 of the 2 voters after it would be reachable, a majority is 2")
    }
}
