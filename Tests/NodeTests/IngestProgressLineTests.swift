import Node
import RaftcastClient
import XCTest

/// The lines `raftcast ingest` prints: bar, plain line, summary, rates and ETA.
final class IngestProgressLineTests: XCTestCase {
    func testMidwayLineShowsCountsRateAndETA() {
        // 12 of 30 fragments (24 s of media, 4.8 MB) in 1.5 s: 3.2 MB/s, 18 left at 8 per second = 2.25 s.
        let line = IngestProgressLine(
            committedFragments: 12, totalFragments: 30, committedBytes: 4_800_000, committedSeconds: 24,
            elapsed: .milliseconds(1500))
        XCTAssertEqual(line.megabytesPerSecond, 3.2, accuracy: 1e-9)
        XCTAssertEqual(line.mediaSecondsPerSecond, 16, accuracy: 1e-9)
        XCTAssertEqual(line.estimatedRemaining, .milliseconds(2250))
        XCTAssertEqual(line.bar(width: 10), "[####------]  12/30 fragments  3.20 MB/s  ETA 0:03")
        XCTAssertEqual(line.plain(), "ingest: 12/30 fragments (40%), 24.0 s of media, 3.20 MB/s, ETA 0:03")
    }

    func testBeforeTheFirstFragmentTheETAIsUnknownAndNothingDividesByZero() {
        let line = IngestProgressLine(committedFragments: 0, totalFragments: 0, committedBytes: 0, committedSeconds: 0, elapsed: .zero)
        XCTAssertNil(line.estimatedRemaining)
        XCTAssertEqual(line.megabytesPerSecond, 0)
        XCTAssertEqual(line.bar(width: 4), "[----]  0/0 fragments  0.00 MB/s  ETA -:--")
        XCTAssertEqual(line.plain(), "ingest: 0/0 fragments (0%), 0.0 s of media, 0.00 MB/s, ETA -:--")
    }

    func testLongETAHasHours() {
        // 1 of 3601 fragments in 1 s: 3600 s left.
        let line = IngestProgressLine(committedFragments: 1, totalFragments: 3601, committedBytes: 10, committedSeconds: 1, elapsed: .seconds(1))
        XCTAssertTrue(line.plain().hasSuffix("ETA 1:00:00"), line.plain())
    }

    func testCompleteBarAndSummary() {
        let line = IngestProgressLine(
            committedFragments: 1800, totalFragments: 1800, committedBytes: 57_600_000, committedSeconds: 3600,
            elapsed: .seconds(40))
        XCTAssertEqual(line.bar(width: 5), "[#####]  1800/1800 fragments  1.44 MB/s  ETA 0:00")
        XCTAssertEqual(line.summary(), "ingested 1800 fragments, 3600.0 s of media in 40.0 s: 90.0 media-s/s, 1.44 MB/s")
    }

    func testStreamIDsAreSixteenLowercaseHexDigits() {
        XCTAssertEqual(IngestClient.streamID(0), "0000000000000000")
        XCTAssertEqual(IngestClient.streamID(0xAB), "00000000000000ab")
        XCTAssertEqual(IngestClient.streamID(.max), "ffffffffffffffff")
    }

    func testProblemAndLocationParsing() throws {
        let problem = try XCTUnwrap(HTTPProblem(response: HTTPFetch.Response(
            status: 409, headers: ["content-type": "application/problem+json"],
            body: Array(#"{"type":"https://raftcast.dev/problems/stream-conflict","title":"Conflict","status":409,"detail":"id in use"}"#.utf8))))
        XCTAssertEqual(problem.slug, "stream-conflict")
        XCTAssertEqual(problem.detail, "id in use")
        // An error without a problem body keeps its status and text.
        let plain = try XCTUnwrap(HTTPProblem(response: HTTPFetch.Response(status: 503, headers: [:], body: Array(#"{"error":"no leader known"}"#.utf8))))
        XCTAssertEqual(plain.status, 503)
        XCTAssertEqual(plain.detail, "no leader known")
        XCTAssertNil(HTTPProblem(response: HTTPFetch.Response(status: 200, headers: [:], body: [])))

        XCTAssertEqual(HTTPLocation(url: "http://127.0.0.1:8102/v1/streams?id=ab&fast=1"),
                       HTTPLocation(host: "127.0.0.1", port: 8102, path: "/v1/streams?id=ab&fast=1"))
        XCTAssertEqual(HTTPLocation(url: "http://[::1]:9000"), HTTPLocation(host: "::1", port: 9000, path: "/"))
        XCTAssertEqual(HTTPLocation(url: "http://node-2/x"), HTTPLocation(host: "node-2", port: 80, path: "/x"))
        XCTAssertNil(HTTPLocation(url: "https://127.0.0.1:8102/"))
        XCTAssertNil(HTTPLocation(url: "http://user@host:1/"))
        XCTAssertNil(HTTPLocation(url: "http://host:99999/"))
        XCTAssertNil(HTTPLocation(url: "/v1/streams"))
    }
}
