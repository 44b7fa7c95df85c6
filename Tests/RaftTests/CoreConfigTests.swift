import Raft
import XCTest

final class CoreConfigTests: XCTestCase {
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
