import Foundation
import TestSupport
import XCTest

/// `raftcast probe` output against ffprobe's view of the same file.
final class ProbeCommandTests: XCTestCase {
    private func json(_ arguments: [String]) throws -> [String: Any] {
        let result = try RaftcastBinary.run(arguments)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    private func ffprobeKeyframeTimes(_ file: String) throws -> [Double] {
        let r = try ToolProcess.run(
            "ffprobe",
            [
                "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0",
                file,
            ],
            timeout: 60)
        return String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").compactMap { line in
            let parts = line.split(separator: ",")
            return parts.count >= 2 && parts[1].contains("K") ? Double(parts[0]) : nil
        }
    }

    func testJSONDescribesStreamsAndFragmentsOfAnMP4() throws {
        let file = try CLIFixtures.media("mp4-bframes", ext: "mp4")
        let doc = try json(["probe", file, "--json", "--fragment-seconds", "1"])
        XCTAssertEqual(
            Set(doc.keys),
            ["file", "container", "duration_seconds", "fragment_seconds", "streams", "fragments", "warnings"])
        XCTAssertEqual(doc["file"] as? String, file)
        XCTAssertEqual(doc["fragment_seconds"] as? Double, 1)
        let streams = try XCTUnwrap(doc["streams"] as? [[String: Any]])
        XCTAssertEqual(streams.map { $0["type"] as? String }, ["audio", "video"])
        XCTAssertEqual(streams[0]["codec"] as? String, "aac")
        XCTAssertEqual(streams[0]["sample_rate"] as? Int, 44100)
        XCTAssertEqual(streams[0]["channels"] as? Int, 2)
        XCTAssertEqual(streams[0]["channel_layout"] as? String, "stereo")
        XCTAssertEqual(streams[1]["codec"] as? String, "h264")
        XCTAssertEqual(streams[1]["width"] as? Int, 320)
        XCTAssertEqual(streams[1]["time_base"] as? String, "1/12800")

        let fragments = try XCTUnwrap(doc["fragments"] as? [[String: Any]])
        // Expected cuts from ffprobe's keyframes: first keyframe >= 1 s after the last cut.
        var expected: [Double] = []
        for k in try ffprobeKeyframeTimes(file) where expected.last.map({ k - $0 >= 1 - 1e-6 }) ?? true {
            expected.append(k)
        }
        XCTAssertEqual(fragments.compactMap { $0["start_seconds"] as? Double }, expected)
        XCTAssertEqual(fragments.map { $0["index"] as? Int }, Array(0..<fragments.count))
        XCTAssertTrue(fragments.allSatisfy { $0["starts_with_keyframe"] as? Bool == true })
        for f in fragments {
            XCTAssertEqual(
                f["packets"] as? Int, (f["audio_packets"] as? Int ?? -1) + (f["video_packets"] as? Int ?? -1))
            XCTAssertGreaterThan(f["bytes"] as? Int ?? 0, 0)
        }
        XCTAssertEqual(doc["warnings"] as? [String], [])
    }

    func testJSONPacketCountsMatchFFprobe() throws {
        let file = try CLIFixtures.media("mp3-cbr", ext: "mp3")
        let doc = try json(["probe", file, "--json"])
        let fragments = try XCTUnwrap(doc["fragments"] as? [[String: Any]])
        let r = try ToolProcess.run(
            "ffprobe",
            [
                "-v", "error", "-count_packets", "-select_streams", "a:0", "-show_entries",
                "stream=nb_read_packets", "-of", "csv=p=0", file,
            ], timeout: 60)
        let count = Int(String(decoding: r.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertEqual(fragments.reduce(0) { $0 + ($1["packets"] as? Int ?? 0) }, count)
        let durations = fragments.compactMap { $0["duration_seconds"] as? Double }
        XCTAssertTrue(durations.dropLast().allSatisfy { abs($0 - 2) <= 0.0131 }, "\(durations)")
    }

    func testTableListsStreamsAndOneRowPerFragment() throws {
        let file = try CLIFixtures.media("mp3-cbr", ext: "mp3")
        let result = try RaftcastBinary.run(["probe", file])
        XCTAssertEqual(result.status, 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.hasPrefix("  audio  mp3  44100 Hz  2 ch (stereo)") }, result.stdout)
        let header = try XCTUnwrap(lines.firstIndex { $0.contains("index") && $0.contains("keyframe") })
        let rows = lines[(header + 1)...]
        let doc = try json(["probe", file, "--json"])
        XCTAssertEqual(rows.count, (doc["fragments"] as? [Any])?.count)
        XCTAssertTrue(rows.allSatisfy { $0.hasSuffix("yes") })
    }

    func testHelpDescribesOptionsAndExitStatus() throws {
        let result = try RaftcastBinary.run(["probe", "--help"])
        XCTAssertEqual(result.status, 0)
        for needle in ["--fragment-seconds", "--json", "Exit status", "FILE".lowercased()] {
            XCTAssertTrue(result.stdout.lowercased().contains(needle.lowercased()), needle)
        }
    }
}
