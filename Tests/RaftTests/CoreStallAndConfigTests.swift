import Raft
import XCTest

final class CoreStallAndConfigTests: XCTestCase {
    func testLeaderWithStalledStorageStepsDownAndHandsOver() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3])
        cluster.elect(1)
        try cluster[1].propose(payload(1))
        cluster.stabilize()
        cluster[1].reportStorageStalled()
        XCTAssertEqual(cluster[1].role, .follower)
        XCTAssertThrowsError(try cluster[1].propose(payload(2))) { error in
            XCTAssertEqual(error as? ProposalError, .notLeader(leader: nil))
        }
        let ready = cluster[1].ready()
        XCTAssertEqual(ready.messages.map(\.type), [.timeoutNow], "the most up-to-date voter campaigns at once")
        cluster.send(ready.messages)
        cluster[1].advance(ready)
        cluster.stabilize()
        XCTAssertEqual(cluster.leaders.count, 1)
        XCTAssertNotEqual(cluster.leaders.first, 1)
        XCTAssertEqual(cluster[1].term, 2)
    }

    func testStalledFollowerIsUnaffected() throws {
        var cluster = try CoreCluster(voters: [1, 2, 3])
        cluster.elect(1)
        cluster[2].reportStorageStalled()
        XCTAssertEqual(cluster[2].role, .follower)
        XCTAssertEqual(cluster[2].leader, 1)
    }

    func testInvalidConfigsAreRejectedWithReadableReasons() {
        func reason(_ change: (inout Config) -> Void) -> String? {
            var config = Config(id: 1)
            change(&config)
            do {
                try config.validate()
                return nil
            } catch {
                return error.description
            }
        }
        XCTAssertNil(reason { _ in })
        XCTAssertEqual(reason { $0.id = 0 }, "invalid Raft config: id must not be 0 (0 means \"no node\")")
        XCTAssertEqual(reason { $0.heartbeatTick = 0 }, "invalid Raft config: heartbeatTick must be at least 1, got 0")
        XCTAssertEqual(
            reason { $0.electionTick = 1 },
            "invalid Raft config: electionTick must be greater than heartbeatTick (1), got 1")
        XCTAssertEqual(
            reason { $0.maxInflightMessages = 0 }, "invalid Raft config: maxInflightMessages must be at least 1, got 0")
        XCTAssertEqual(reason { $0.maxSizePerMessage = 0 }, "invalid Raft config: maxSizePerMessage must be at least 1 byte")
        XCTAssertEqual(
            reason { $0.maxInflightBytes = 100 },
            "invalid Raft config: maxInflightBytes must be 0 (no limit) or at least maxSizePerMessage (1048576), got 100")
        XCTAssertEqual(
            reason { $0.maxCommittedSizePerReady = 0 },
            "invalid Raft config: maxCommittedSizePerReady must be at least 1 byte")
        XCTAssertThrowsError(try RaftNode(config: Config(id: 0), storage: MemoryStorage()))
    }

    func testUnreadableStorageIsReportedAtStartUp() {
        let storage = MemoryStorage(confState: ConfState(voters: [1]))
        storage.injectedFailure = .io("wal/0001.log: input/output error")
        XCTAssertThrowsError(try RaftNode(config: Config(id: 1), storage: storage)) { error in
            XCTAssertEqual(
                "\(error)",
                "cannot read Raft storage at start-up: io(\"wal/0001.log: input/output error\")")
        }
    }
}
