import RaftcastClient
import XCTest

/// ``LeaderAgreement``: a leader counts only when more than half of *all* voters name it in the highest
/// term they name it in; silent voters count for nobody; listeners neither count nor are counted.
final class LeaderAgreementTests: XCTestCase {
    private static func result(
        _ id: String, leader: String?, term: UInt64 = 3, answered: Bool = true, listener: Bool = false
    ) -> ClusterStatusProbe.Result {
        let member = ClusterConfig.Member(
            id: id, raft: .init(host: "127.0.0.1", port: 1), http: .init(host: "127.0.0.1", port: 2), audioDevice: nil,
            dataDirectory: "/tmp", role: listener ? .listener : .voter)
        guard answered else { return .init(member: member, report: nil, error: "connection refused") }
        let report = ClusterStatusReport(
            id: id, role: listener ? "learner" : leader == id ? "leader" : "follower", term: term, leader: leader, leaderHTTP: nil, commitIndex: 0,
            appliedIndex: 0, lastLogIndex: 0, snapshotIndex: 0, appliedCount: 0, appliedHash: "0000000000000000", peers: [])
        return .init(member: member, report: report, error: nil)
    }

    func testAMajorityOfAllMembersIsNeeded() {
        XCTAssertEqual(
            LeaderAgreement.judge([Self.result("n1", leader: "n2"), Self.result("n2", leader: "n2"), Self.result("n3", leader: nil, answered: false)]),
            .agreed(leader: "n2", votes: 2, members: 3))
        XCTAssertEqual(
            LeaderAgreement.judge([Self.result("n1", leader: "n1"), Self.result("n2", leader: nil, answered: false), Self.result("n3", leader: nil, answered: false)]),
            .none(reason: "no quorum: 1 of 3 voters answer, 2 needed for a leader (n1 names n1, n2 did not answer, n3 did not answer)"))
        // 2 of 4 is not a majority.
        let four = [Self.result("n1", leader: "n1"), Self.result("n2", leader: "n1"), Self.result("n3", leader: "n3"), Self.result("n4", leader: nil)]
        XCTAssertEqual(
            LeaderAgreement.judge(four),
            .none(reason: "no leader agreed by a majority (3 of 4 voters needed; n1 names n1, n2 names n1, n3 names n3, n4 names no leader)"))
    }

    func testListenersNeitherCountNorAreCounted() {
        let voters = [Self.result("n1", leader: "n1"), Self.result("n2", leader: "n1"), Self.result("n3", leader: nil, answered: false)]
        // Listeners that are down do not take the majority away; listeners naming a leader do not make one.
        let down = (4...8).map { Self.result("n\($0)", leader: nil, answered: false, listener: true) }
        XCTAssertEqual(LeaderAgreement.judge(voters + down), .agreed(leader: "n1", votes: 2, members: 3))
        let naming = (4...8).map { Self.result("n\($0)", leader: "n3", listener: true) }
        XCTAssertEqual(LeaderAgreement.judge(voters + naming), .agreed(leader: "n1", votes: 2, members: 3))
        // Two of three voters dead: the listeners say they have no leader; the line says there is no quorum.
        let dead = [Self.result("n1", leader: nil, answered: false), Self.result("n2", leader: nil, answered: false), Self.result("n3", leader: nil)]
        XCTAssertEqual(
            LeaderAgreement.judge(dead + [Self.result("n4", leader: nil, listener: true)]),
            .none(reason: "no quorum: 1 of 3 voters answer, 2 needed for a leader (n1 did not answer, n2 did not answer, n3 names no leader, n4 (listener) names no leader)"))
    }

    func testAnOldLeaderNamedInAnOlderTermDoesNotCount() {
        // A partitioned old leader still names itself in term 3; two members moved on to n2 in term 4.
        let results = [Self.result("n1", leader: "n1", term: 3), Self.result("n2", leader: "n2", term: 4), Self.result("n3", leader: "n2", term: 4)]
        XCTAssertEqual(LeaderAgreement.judge(results), .agreed(leader: "n2", votes: 2, members: 3))
        // Two members naming n1 in different terms are not two votes for one leadership.
        let split = [Self.result("n1", leader: "n1", term: 5), Self.result("n2", leader: "n1", term: 4), Self.result("n3", leader: nil)]
        guard case .none = LeaderAgreement.judge(split) else { return XCTFail("votes from two terms added up") }
    }
}
