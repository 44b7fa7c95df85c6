import Raft
import XCTest

/// Restarting a node from storage left by a crash at an awkward moment.
final class CoreRestartTests: XCTestCase {
    /// A crash after a received snapshot became durable but before the hard state after it was synced
    /// (found by the simulator, seed 119368): the stored commit is below the snapshot. The node must
    /// start, with its commit at the snapshot, since a snapshot holds only committed entries.
    func testStartsWhenStoredCommitIsBelowTheSnapshot() throws {
        let storage = MemoryStorage(confState: ConfState(voters: [1, 2, 3]))
        try storage.setHardState(HardState(term: 3, vote: 2, commit: 5))
        try storage.applySnapshot(
            Snapshot(metadata: SnapshotMetadata(index: 25, term: 3, confState: ConfState(voters: [1, 2, 3])), data: [7]))

        var node = try RaftNode(config: Config(id: 2), storage: storage)

        XCTAssertEqual(node.status.commit, 25)
        XCTAssertEqual(node.status.applied, 25)
        XCTAssertEqual(node.term, 3)
        // Nothing before the snapshot is handed out again for applying.
        XCTAssertTrue(node.ready().committedEntries.isEmpty)
    }

    /// A stored commit beyond the stored log is still refused: that storage lost acknowledged entries.
    func testRefusesCommitBeyondTheStoredLog() throws {
        let storage = MemoryStorage(confState: ConfState(voters: [1, 2, 3]))
        try storage.append([Entry(term: 1, index: 1), Entry(term: 1, index: 2)])
        try storage.setHardState(HardState(term: 1, vote: 1, commit: 9))
        XCTAssertThrowsError(try RaftNode(config: Config(id: 1), storage: storage)) { error in
            XCTAssertTrue("\(error)".contains("commit 9"), "\(error)")
        }
    }
}
