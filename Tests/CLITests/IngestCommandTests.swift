import Foundation
import TestSupport
import XCTest

/// `raftcast ingest` before it talks to a cluster: bad input exits 2 with one `error:` line and nothing
/// uploaded; a cluster that never answers exits 1 after --timeout. (Ingest into real clusters:
/// NodeTests' IngestClusterTests.)
final class IngestCommandTests: XCTestCase {
    /// A cluster.yaml for 3 nodes on ports nothing listens on (127.0.0.1:1–3 are never bound by tests).
    private func unreachableCluster() throws -> String {
        let folder = CLIFixtures.directory.appendingPathComponent("ingest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try PrivateFile.write("ingest-test-secret-0123456789", to: folder.appendingPathComponent("cluster.secret").path)
        var yaml = "cluster:\n  name: t\n  secret_file: cluster.secret\nnodes:\n"
        for i in 1...3 {
            yaml += "  - id: n\(i)\n    raft: 127.0.0.1:\(10 + i)\n    http: 127.0.0.1:\(i)\n    data_dir: data/n\(i)\n"
        }
        let path = folder.appendingPathComponent("cluster.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testMissingFileExits2BeforeContactingTheCluster() throws {
        let config = try unreachableCluster()
        let missing = CLIFixtures.directory.appendingPathComponent("absent.mp3").path
        let started = ContinuousClock.now
        let result = try RaftcastBinary.run(["ingest", missing, "--config", config, "--timeout", "20"])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "error: \(missing): no such file\n")
        XCTAssertEqual(result.stdout, "")
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(10), "refused locally, not after the 20 s timeout")
    }

    func testFileThatIsNotMediaExits2WithProbesReason() throws {
        let config = try unreachableCluster()
        let text = try CLIFixtures.write("notes.mp3", Data(String(repeating: "not audio at all\n", count: 400).utf8))
        let ingest = try RaftcastBinary.run(["ingest", text, "--config", config])
        let probe = try RaftcastBinary.run(["probe", text])
        XCTAssertEqual(ingest.status, 2)
        XCTAssertEqual(probe.status, 2)
        XCTAssertEqual(ingest.stderr, probe.stderr, "the same check and the same one line as probe")
        XCTAssertTrue(ingest.stderr.hasPrefix("error: \(text): "), ingest.stderr)
    }

    func testVideoWithoutAudioExits2() throws {
        let config = try unreachableCluster()
        let video = try CLIFixtures.media("mp4-video-only", ext: "mp4")
        let result = try RaftcastBinary.run(["ingest", video, "--config", config])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "error: \(video): no audio stream (video only)\n")
    }

    func testBadTimeoutAndBadConfigExit2() throws {
        let config = try unreachableCluster()
        let media = try CLIFixtures.media("mp3-cbr", ext: "mp3")
        for value in ["0", "-3", "soon", "nan"] {
            let result = try RaftcastBinary.run(["ingest", media, "--config", config, "--timeout", value])
            XCTAssertEqual(result.status, 2, value)
            XCTAssertEqual(result.stderr, "error: --timeout: '\(value)' is not a number of seconds in (0, 86400]\n", value)
        }
        let noConfig = CLIFixtures.directory.appendingPathComponent("none.yaml").path
        let result = try RaftcastBinary.run(["ingest", media, "--config", noConfig])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.hasPrefix("error: \(noConfig): "), result.stderr)
        let usage = try RaftcastBinary.run(["ingest"])
        XCTAssertEqual(usage.status, 2)
        XCTAssertTrue(usage.stderr.hasPrefix("error: usage: "), usage.stderr)
    }

    func testLibraryPathOutsideTheMediaDirectoryExits2() throws {
        let config = try unreachableCluster()
        for path in ["/etc/passwd", "../secret.mp3", "a/../../b.mp3"] {
            let result = try RaftcastBinary.run(["ingest", path, "--library", "--config", config])
            XCTAssertEqual(result.status, 2, path)
            XCTAssertEqual(result.stderr, "error: \(path): a library file is named by a path inside media_dir\n")
        }
    }

    /// Names are data: a --name with a control character (or too long) is refused before the cluster
    /// is contacted (its nodes are unreachable here: it would otherwise take the --timeout). (A NUL
    /// cannot be passed in an argument; the API's own check refuses it: StreamsAPITests.)
    func testNameWithControlCharactersExits2Locally() throws {
        let config = try unreachableCluster()
        let media = try CLIFixtures.media("mp3-cbr", ext: "mp3")
        for (name, reason) in [
            ("Live\nerror: forged", "contains a control character (U+000A at character 5); it must be plain text"),
            ("esc\u{1B}[2J", "contains a control character (U+001B at character 4); it must be plain text"),
            ("c1\u{85}", "contains a control character (U+0085 at character 3); it must be plain text"),
            (String(repeating: "n", count: 300), "is 300 bytes long; at most 256 are allowed"),
        ] {
            let started = ContinuousClock.now
            let result = try RaftcastBinary.run(["ingest", media, "--config", config, "--name", name, "--timeout", "20"])
            XCTAssertEqual(result.status, 2, name)
            XCTAssertEqual(result.stderr, "error: --name: \(reason)\n")
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(10), "refused locally")
        }
        // A media file whose own name holds a newline: refused locally too, its name printed escaped.
        let odd = CLIFixtures.directory.appendingPathComponent("two\nlines.mp3").path
        try? FileManager.default.removeItem(atPath: odd)
        try FileManager.default.copyItem(atPath: media, toPath: odd)
        let result = try RaftcastBinary.run(["ingest", odd, "--config", config, "--timeout", "20"])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        XCTAssertTrue(result.stderr.hasSuffix("two\\nlines.mp3: the file name contains a control character (U+000A at character 4); it must be plain text\n"), result.stderr)
    }

    func testUnreachableClusterExits1AfterTheTimeout() throws {
        let config = try unreachableCluster()
        let media = try CLIFixtures.media("mp3-cbr", ext: "mp3")
        let started = ContinuousClock.now
        let result = try RaftcastBinary.run(["ingest", media, "--config", config, "--timeout", "1.5"], timeout: 30)
        let took = ContinuousClock.now - started
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(
            result.stderr.hasSuffix(
                "error: \(config): no progress within 1.5 s: no node answered (3 tried): n1 (127.0.0.1:1): cannot connect to "
                    + "127.0.0.1:1: Connection refused; also tried n2 (127.0.0.1:2), n3 (127.0.0.1:3)\n"), result.stderr)
        XCTAssertEqual(result.stdout, "")
        XCTAssertGreaterThanOrEqual(took, .milliseconds(1500))
        XCTAssertLessThan(took, .seconds(10))
        // Not a terminal: plain lines, the retry reason once (not once per retry).
        XCTAssertEqual(result.stderr.components(separatedBy: "no node answered (3 tried)").count - 1, 2, result.stderr)
        XCTAssertEqual(result.stderr.components(separatedBy: "; retrying").count - 1, 1, result.stderr)
    }
}
