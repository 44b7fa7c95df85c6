import Foundation
import TestSupport
import XCTest

/// The scenario runner itself: a wrong expectation is reported (at its line, with a diff), the
/// rewrite mode fixes the file and only the outputs, and malformed files or commands fail loudly,
/// so that a scenario file cannot pass without being checked.
final class ScenarioInterpreterTests: XCTestCase {
    private static let wrong = """
        # A comment, kept by the rewrite.
        add-nodes voters=(1)
        ----
        1: follower term=0 vote=0 leader=0 commit=0 applied=0 last=0 voters=(1)

        campaign 1
        ----
        1 became leader at term 7

        log-level none
        ----
        ok
        """

    private func run(_ text: String, rewrite: Bool = false, path: String = "wrong.txt") throws -> [DataDrivenFile.Mismatch] {
        let file = try DataDrivenFile(path: path, text: text)
        var scenario = try RaftScenario()
        return try file.run(rewrite: rewrite) { try scenario.handle($0) }
    }

    func testAWrongExpectationIsReportedAtItsLineWithADiff() throws {
        let mismatches = try run(Self.wrong)
        XCTAssertEqual(mismatches.map(\.line), [6], "only the campaign's output is wrong")
        let mismatch = try XCTUnwrap(mismatches.first)
        XCTAssertEqual(mismatch.command, "campaign 1")
        XCTAssertEqual(mismatch.expected, "1 became leader at term 7")
        XCTAssertTrue(mismatch.actual.contains("1 became leader at term 1"), mismatch.actual)
        XCTAssertTrue(mismatch.description.hasPrefix("wrong.txt:6: output of `campaign 1` differs"), mismatch.description)
        XCTAssertTrue(mismatch.description.contains("\n- 1 became leader at term 7"), mismatch.description)
        XCTAssertTrue(mismatch.description.contains("\n+ 1 became leader at term 1"), mismatch.description)
    }

    func testRewriteReplacesOnlyTheOutputs() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("scenario-\(UUID()).txt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.wrong.write(toFile: path, atomically: true, encoding: .utf8)
        let file = try DataDrivenFile(path: path)
        var scenario = try RaftScenario()
        let rewritten = try file.run(rewrite: true) { try scenario.handle($0) }
        XCTAssertEqual(rewritten.count, 1)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("# A comment, kept by the rewrite.\nadd-nodes voters=(1)\n----\n"), text)
        XCTAssertFalse(text.contains("term 7"), text)
        XCTAssertTrue(try run(text).isEmpty, "the rewritten file passes")
    }

    func testMalformedFilesAndCommandsFailAtTheirLine() throws {
        XCTAssertThrowsError(try run("status\nok\n")) { error in
            XCTAssertEqual("\(error)", "wrong.txt:1: expected a line `----` after `status`")
        }
        XCTAssertThrowsError(try run("add-nodes voters=(1\n----\nok\n")) { error in
            XCTAssertEqual("\(error)", "wrong.txt:1: unbalanced `(` in `add-nodes voters=(1`")
        }
        XCTAssertThrowsError(try run("add-nodes voters=(1)\n----\nok\n\nelect 1\n----\nok\n")) { error in
            XCTAssertEqual("\(error)", "wrong.txt:5: `elect 1` failed: unknown command elect")
        }
        XCTAssertThrowsError(try run("add-nodes voters=(1) prevotes=false\n----\nok\n")) { error in
            XCTAssertEqual("\(error)", "wrong.txt:1: `add-nodes voters=(1) prevotes=false` failed: unused arguments: prevotes=…")
        }
        XCTAssertThrowsError(try run("campaign 2\n----\nok\n")) { error in
            XCTAssertEqual("\(error)", "wrong.txt:1: `campaign 2` failed: no running node 2")
        }
    }

    func testAnOutputWithABlankLineIsRefused() throws {
        let file = try DataDrivenFile(path: "blank.txt", text: "echo\n----\na\n")
        XCTAssertThrowsError(try file.run { _ in "a\n\nb" }) { error in
            XCTAssertTrue("\(error)".hasPrefix("blank.txt:1: the output of `echo` has a blank line"), "\(error)")
        }
    }

    func testArgumentsAndLineDiff() throws {
        let file = try DataDrivenFile(path: "args.txt", text: "cmd 1 a=b c=(1, 2) d=() e\n----\nok\n")
        let c = try XCTUnwrap(file.cases.first)
        XCTAssertEqual(c.command, "cmd")
        XCTAssertEqual(c.arguments, [
            .init(key: "1", values: [], hasValue: false), .init(key: "a", values: ["b"], hasValue: true),
            .init(key: "c", values: ["1", "2"], hasValue: true), .init(key: "d", values: [], hasValue: true),
            .init(key: "e", values: [], hasValue: false),
        ])
        XCTAssertEqual(
            DataDrivenFile.lineDiff(expected: "a\nb\nc", actual: "a\nx\nc\nd"), "  a\n- b\n+ x\n  c\n+ d")
    }

    /// The commands no scenario file uses yet, so that they are known to work when one does.
    func testCommandsNoFileUsesYet() throws {
        let script = """
            add-nodes voters=(1,2) election-tick=5
            ----
            1: follower term=0 vote=0 leader=0 commit=0 applied=0 last=0 voters=(1,2)
            2: follower term=0 vote=0 leader=0 commit=0 applied=0 last=0 voters=(1,2)

            campaign 1
            ----
            1 became pre-candidate at term 0

            log-level events
            ----
            ok

            stabilize 1 2
            ----
            1 became candidate at term 1
            2 became follower at term 1
            1 became leader at term 1

            propose 1 big size=40
            ----
            proposed at 4

            deliver-msgs drop=true
            ----
            ok

            log-level all
            ----
            ok

            process-ready 1
            ----
            > 1 handling Ready
              Ready mustSync=true:
              entries:
                1/4 "big.............…" (40 bytes)
              messages:
                1->2 appendEntries term:1 log:1/3 commit:3 entries:[1/4 "big.............…" (40 bytes)]

            deliver-msgs 2 type=appendEntries drop=true
            ----
            > 2 receiving messages
              1->2 appendEntries term:1 log:1/3 commit:3 entries:[1/4 "big.............…" (40 bytes)] (dropped)

            crash 2
            ----
            ok

            tick 1 count=2
            ----
            ok

            status
            ----
            1: leader term=1 vote=1 leader=1 commit=3 applied=3 last=4 voters=(1,2)
              1: match=4 next=5 replicate inflight=0 (0 bytes)
              2: match=3 next=5 replicate inflight=1 (64 bytes)
            2: down

            restart 2
            ----
            2: follower term=1 vote=1 leader=0 commit=3 applied=0 last=3 voters=(1,2)

            raft-log 2
            ----
            1/1 add-voter 1
            1/2 add-voter 2
            1/3
            """
        let mismatches = try run(script)
        for m in mismatches { XCTFail(m.description) }
    }
}
