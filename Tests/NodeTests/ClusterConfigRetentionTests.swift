import Broadcast
import Foundation
import RaftcastClient
import TestSupport
import XCTest

@testable import Node

/// `cluster.retention` in cluster.yaml: defaults, both rules, "all", and an `error:` line naming the setting
/// for every bad value (docs/configuration.md).
final class ClusterConfigRetentionTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "raftcast-retention-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try PrivateFile.write("0123456789abcdef0123456789abcdef\n", to: "\(directory!)/cluster.secret")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A one-node cluster.yaml whose `cluster:` section ends with `retention` (lines already indented
    /// under `cluster:`); the retention block starts on line 4.
    static func yaml(_ retention: String) -> String {
        """
        cluster:
          name: test
          secret_file: cluster.secret
        \(retention)
        nodes:
          - {id: n1, raft: "127.0.0.1:7100", http: "127.0.0.1:8100", data_dir: data}
        """
    }

    func parse(_ retention: String) throws -> ClusterConfig {
        try ClusterConfig.parse(yaml: Self.yaml(retention), directory: directory)
    }

    func errors(_ retention: String) -> [String] {
        do {
            _ = try ClusterConfig.parse(yaml: Self.yaml(retention), directory: directory)
            XCTFail("expected errors for:\n\(retention)")
            return []
        } catch {
            return error.lines
        }
    }

    func testDefaultKeepsTheNewestHundredFinishedStreamsWithoutAnAgeLimit() throws {
        let config = try parse("")
        XCTAssertEqual(config.retention, ClusterConfig.Retention(keepStreams: 100, keepHours: nil))
        XCTAssertEqual(RetentionPolicy(config.retention), RetentionPolicy(keepStreams: 100, keepAge: nil))
        XCTAssertEqual(RetentionPolicy(config.retention).playoutMargin, .seconds(5))
    }

    func testBothRulesAllAndHoursAsAFraction() throws {
        let both = try parse("  retention:\n    keep_streams: 50\n    keep_hours: 24")
        XCTAssertEqual(both.retention, ClusterConfig.Retention(keepStreams: 50, keepHours: 24))
        XCTAssertEqual(RetentionPolicy(both.retention), RetentionPolicy(keepStreams: 50, keepAge: .seconds(86_400)))

        let ageOnly = try parse("  retention: {keep_streams: all, keep_hours: 0.5}")
        XCTAssertEqual(ageOnly.retention, ClusterConfig.Retention(keepStreams: nil, keepHours: 0.5))
        XCTAssertEqual(RetentionPolicy(ageOnly.retention).keepAge, .seconds(1800))
        XCTAssertTrue(RetentionPolicy(ageOnly.retention).removesAnything)

        let countOnly = try parse("  retention:\n    keep_streams: 7")
        XCTAssertEqual(countOnly.retention, ClusterConfig.Retention(keepStreams: 7, keepHours: nil))

        let nothing = try parse("  retention:\n    keep_streams: ALL")
        XCTAssertFalse(RetentionPolicy(nothing.retention).removesAnything, "all and no hours: retention is off")
    }

    func testBadValuesNameTheSettingAndTheLine() {
        let cases: [(String, String)] = [
            ("  retention:\n    keep_streams: 0",
             "error: cluster.yaml: cluster.retention.keep_streams: must be a positive integer or \"all\", got \"0\" (line 5)"),
            ("  retention:\n    keep_streams: -3",
             "error: cluster.yaml: cluster.retention.keep_streams: must be a positive integer or \"all\", got \"-3\" (line 5)"),
            ("  retention:\n    keep_streams: [1, 2]",
             "error: cluster.yaml: cluster.retention.keep_streams: must be a positive integer or \"all\", got a list (line 5)"),
            ("  retention:\n    keep_hours: soon",
             "error: cluster.yaml: cluster.retention.keep_hours: must be a positive number, got \"soon\" (line 5)"),
            ("  retention:\n    keep_hours: 0",
             "error: cluster.yaml: cluster.retention.keep_hours: must be a positive number, got 0 (line 5)"),
            ("  retention:\n    keep_hours: 2000000",
             "error: cluster.yaml: cluster.retention.keep_hours: must be at most 1000000, got 2000000.0 (line 5)"),
            ("  retention:\n    keep_days: 3",
             "error: cluster.yaml: cluster.retention.keep_days: unknown key (known keys: keep_streams, keep_hours) (line 5)"),
            ("  retention: 50",
             "error: cluster.yaml: cluster.retention: must be a mapping with keep_streams and/or keep_hours, got \"50\" (line 4)"),
        ]
        for (retention, expected) in cases {
            XCTAssertEqual(errors(retention), [expected], retention)
        }
        // Every problem at once, each on its own line.
        XCTAssertEqual(errors("  retention:\n    keep_streams: none\n    keep_hours: -1").count, 2)
    }
}
