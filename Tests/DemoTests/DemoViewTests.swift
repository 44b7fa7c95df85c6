import Broadcast
import Demo
import Foundation
import RaftcastClient
import XCTest

final class DemoViewTests: XCTestCase {
    private func snapshot() -> DemoSnapshot {
        var killed = DemoNodeSample(id: "n1", process: .killed, cluster: nil, playback: nil)
        killed.process = .killed
        return DemoSnapshot(
            elapsed: .milliseconds(12_340), phase: "ingesting",
            stream: DemoStreamProgress(id: "00000000000000ab", name: "raftcast-demo", state: "ingesting", committedFragments: 4, expectedFragments: 10),
            nodes: [
                killed,
                DemoFixtures.node("n2", "leader", term: 3, leader: "n2",
                                  playback: DemoFixtures.playback("playing", fragment: 4, position: 8.514, syncError: -210_000)),
                DemoNodeSample(id: "n3", process: .running, cluster: nil, playback: nil),
                DemoNodeSample(id: "n4", process: .exited(1), cluster: nil, playback: nil),
            ],
            events: (1...8).map { DemoEvent(at: .seconds($0), text: "event \($0)") })
    }

    func testTheLiveViewShowsEveryNodesRoleTermCommitAndPlayback() {
        let lines = DemoView.lines(snapshot())
        XCTAssertEqual(lines[0], "raftcast demo  12.3 s  ingesting  stream \"raftcast-demo\": 4 of 10 fragments committed, ingesting")
        XCTAssertEqual(lines[1], "NODE PROCESS  ROLE          TERM  COMMIT  PLAYBACK       POSITION  SYNC ERROR")
        XCTAssertEqual(lines[2], "n1   killed   -             -     -       -              -         -")
        XCTAssertEqual(lines[3], "n2   running  leader        3     10      playing #4     8.51 s    -0.21 ms")
        XCTAssertEqual(lines[4], "n3   running  no answer     -     -       -              -         -")
        XCTAssertEqual(lines[5], "n4   exit 1   -             -     -       -              -         -")
        XCTAssertEqual(Array(lines[6...]), (3...8).map { "   \($0).0 s  event \($0)" }, "the last \(DemoView.visibleEvents) events")
    }

    func testOnATerminalEveryLineFitsItsWidth() {
        let lines = DemoView.lines(snapshot(), width: 80)
        XCTAssertTrue(lines.allSatisfy { $0.count <= 79 }, "\(lines)")
        XCTAssertEqual(lines[0], "raftcast demo  12.3 s  ingesting  stream \"raftcast-demo\": 4 of 10 fragments co…")
        XCTAssertEqual(lines[1], DemoView.lines(snapshot())[1], "lines that fit are not touched")
        XCTAssertEqual(DemoView.fitted("abcdef", width: 4), "ab…")
        XCTAssertEqual(DemoView.fitted("abc", width: 4), "abc")
    }

    func testPlainLinesAndRedrawForPipesAndTerminals() {
        XCTAssertEqual(
            DemoView.plainLine(snapshot()),
            "12.3 s ingesting 4/10 | n1 killed | n2 leader t3 c10 playing #4 8.51 s -0.21 ms | n3 no answer | n4 exit 1")
        XCTAssertEqual(DemoView.redraw(["a", "b"], previousLineCount: 0), "\r\u{1B}[Ja\nb\n")
        XCTAssertEqual(DemoView.redraw(["a"], previousLineCount: 9), "\u{1B}[9A\r\u{1B}[Ja\n")
    }
}

final class DemoStreamProgressTests: XCTestCase {
    /// The node's own encoding of a stream (`StreamResource`, as `GET /v1/streams` serves it) decodes.
    func testDecodesTheStreamListAsTheNodeServesIt() throws {
        let body = """
            {"streams":[{"id":"0000000000000001","name":"other","state":"ended","paced":true,
            "source":{"file":"a.mp3","size":1,"sha256":"00"},"fragment_seconds":2,"committed_fragments":3,
            "expected_fragments":3,"committed_seconds":6,"committed_bytes":10,"start_cluster_time_ns":5,"start_log_index":2,
            "ingest":{"active":false,"error":null,"committed_fragments":3,"total_fragments":3,"bytes_per_second":null}},
            {"id":"00000000000000ab","name":"raftcast-demo","state":"ingesting","paced":true,
            "source":{"file":"b.mp3","size":1,"sha256":"00"},"fragment_seconds":2,"committed_fragments":4,
            "expected_fragments":null,"committed_seconds":8,"committed_bytes":10,"start_cluster_time_ns":5,"start_log_index":9,
            "ingest":{"active":true,"error":null,"committed_fragments":4,"total_fragments":null,"bytes_per_second":null}}]}
            """
        let stream = try XCTUnwrap(DemoStreamProgress.decodeList(Array(body.utf8), named: "raftcast-demo"))
        XCTAssertEqual(stream, DemoStreamProgress(id: "00000000000000ab", name: "raftcast-demo", state: "ingesting", committedFragments: 4, expectedFragments: nil))
        XCTAssertNil(try DemoStreamProgress.decodeList(Array(#"{"streams":[]}"#.utf8), named: "raftcast-demo"))
    }
}

final class DemoPlaybackDecodingTests: XCTestCase {
    /// The engine's own status, encoded as the node serves it, decodes; so does a node without audio.
    func testDecodesTheEnginesStatusAndTheNodesOwnStates() throws {
        let status = PlaybackStatus(
            state: .playing, stream: 0xab, fragment: 4, positionSeconds: 8.5, bufferedMilliseconds: 900,
            queuedMilliseconds: 40, committedUndecodedFragments: 1, clockOffsetNanoseconds: 12, clockErrorBoundNanoseconds: 1_000,
            syncErrorNanoseconds: -210_000, underruns: 0, hardResyncs: 0, driftCorrectionFrames: 3, stalledSamples: 0)
        let playing = try JSONDecoder().decode(DemoPlayback.self, from: JSONEncoder().encode(status))
        XCTAssertEqual(
            playing, DemoPlayback(state: "playing", fragment: 4, positionSeconds: 8.5, syncErrorNanoseconds: -210_000, driftCorrectionFrames: 3))
        XCTAssertFalse(playing.isDone)
        let idle = try JSONDecoder().decode(
            DemoPlayback.self, from: JSONEncoder().encode(PlaybackStatus(
                state: .idle, stream: nil, fragment: nil, positionSeconds: nil, bufferedMilliseconds: 0, queuedMilliseconds: 0,
                committedUndecodedFragments: 0, clockOffsetNanoseconds: nil, clockErrorBoundNanoseconds: nil,
                syncErrorNanoseconds: nil, underruns: 0, hardResyncs: 0, driftCorrectionFrames: 0, stalledSamples: 0)))
        XCTAssertTrue(idle.isDone)
        let disabled = try JSONDecoder().decode(
            DemoPlayback.self, from: Data(#"{"node":"n2","state":"disabled","clock_offset_ns":-31,"clock_synchronized":false}"#.utf8))
        XCTAssertTrue(disabled.isDone)
        XCTAssertEqual(disabled.clockSynchronized, false)
        XCTAssertNil(playing.clockSynchronized, "the engine's status alone does not say")
        let failed = try JSONDecoder().decode(DemoPlayback.self, from: Data(#"{"node":"n2","state":"failed","error":"no such device"}"#.utf8))
        XCTAssertEqual(failed.error, "no such device")
        XCTAssertTrue(failed.isDone)
    }
}
