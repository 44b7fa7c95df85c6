// The Raft scenario files: Tests/RaftTests/testdata/*.txt, each a sequence of commands and the
// output they must print, run by the interpreter in RaftScenario.swift (commands and format:
// docs/raft.md, "Tests: scenario files").
//
// Rewrite mode: RAFTCAST_REWRITE_SCENARIOS=1 swift test --filter ScenarioFileTests
// writes each command's actual output into the files instead of comparing (for a new file: write
// the commands, each followed by a line `----` and a blank line, then run it). Review the diff
// (git diff Tests/RaftTests/testdata) before committing: the output is the assertion.
//
// A new file needs a method below and an entry in `files`; testEveryFileIsListed checks the folder.

import Foundation
import TestSupport
import XCTest

final class ScenarioFileTests: XCTestCase {
    /// The scenario files, by name without `.txt`; each has a method below.
    static let files = [
        "add_learner_then_promote",
        "checkquorum_cut_off_leader",
        "election_by_ticking",
        "fast_backtracking",
        "leader_counts_own_entry_after_advance",
        "lease_refuses_votes",
        "no_checkquorum_cut_off_leader",
        "no_prevote_partitioned_node",
        "prevote_keeps_voter_term",
        "prevote_partitioned_node",
        "remove_leader",
        "removed_node",
        "restart_redelivers_unapplied",
        "single_voter",
        "snapshot_to_lagging_follower",
        "snapshot_retry_after_failure",
        "stale_leader_steps_down",
        "storage_stall",
        "transfer_abandoned",
        "transfer_ignored",
        "transfer_to_lagging_follower",
        "transfer_to_up_to_date_follower",
        "vote_out_of_lease",
    ]

    func testAddLearnerThenPromote() throws { try run("add_learner_then_promote") }
    func testCheckQuorumCutOffLeader() throws { try run("checkquorum_cut_off_leader") }
    func testElectionByTicking() throws { try run("election_by_ticking") }
    func testFastBacktracking() throws { try run("fast_backtracking") }
    func testLeaderCountsOwnEntryAfterAdvance() throws { try run("leader_counts_own_entry_after_advance") }
    func testLeaseRefusesVotes() throws { try run("lease_refuses_votes") }
    func testNoCheckQuorumCutOffLeader() throws { try run("no_checkquorum_cut_off_leader") }
    func testNoPreVotePartitionedNode() throws { try run("no_prevote_partitioned_node") }
    func testPreVoteKeepsVoterTerm() throws { try run("prevote_keeps_voter_term") }
    func testPreVotePartitionedNode() throws { try run("prevote_partitioned_node") }
    func testRemoveLeader() throws { try run("remove_leader") }
    func testRemovedNode() throws { try run("removed_node") }
    func testRestartRedeliversUnapplied() throws { try run("restart_redelivers_unapplied") }
    func testSingleVoter() throws { try run("single_voter") }
    func testSnapshotToLaggingFollower() throws { try run("snapshot_to_lagging_follower") }
    func testSnapshotRetryAfterFailure() throws { try run("snapshot_retry_after_failure") }
    func testStaleLeaderStepsDown() throws { try run("stale_leader_steps_down") }
    func testStorageStall() throws { try run("storage_stall") }
    func testTransferAbandoned() throws { try run("transfer_abandoned") }
    func testTransferIgnored() throws { try run("transfer_ignored") }
    func testTransferToLaggingFollower() throws { try run("transfer_to_lagging_follower") }
    func testTransferToUpToDateFollower() throws { try run("transfer_to_up_to_date_follower") }
    func testVoteOutOfLease() throws { try run("vote_out_of_lease") }

    func testEveryFileIsListed() throws {
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: Self.folder)
            .filter { $0.hasSuffix(".txt") }.map { String($0.dropLast(4)) }
        XCTAssertEqual(onDisk.sorted(), Self.files.sorted(), "every file in \(Self.folder) needs a method and an entry in `files`")
    }

    /// The folder of the files, next to this source file (so the rewrite edits the sources).
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("testdata").path

    static var rewriting: Bool { ProcessInfo.processInfo.environment["RAFTCAST_REWRITE_SCENARIOS"] == "1" }

    /// Runs `testdata/<name>.txt`; each output that differs is a failure at its command's line in
    /// the file, with a diff; in rewrite mode the file is rewritten instead.
    private func run(_ name: String) throws {
        XCTAssertTrue(Self.files.contains(name), "\(name) is missing from ScenarioFileTests.files")
        let path = Self.folder + "/\(name).txt"
        let file = try DataDrivenFile(path: path)
        var scenario = try RaftScenario()
        let mismatches = try file.run(rewrite: Self.rewriting) { try scenario.handle($0) }
        if Self.rewriting {
            if !mismatches.isEmpty { print("rewrote \(mismatches.count) outputs in \(path)") }
            return
        }
        for mismatch in mismatches {
            recordFailure(withDescription: mismatch.message, inFile: path, atLine: mismatch.line, expected: true)
        }
        print("scenario \(name): \(file.cases.count) commands, \(mismatches.count) differ")
    }
}
