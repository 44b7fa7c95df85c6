import Foundation
import Raft
import RaftcastClient
import TestSupport
import Transport
import XCTest

@testable import Node

final class ClusterConfigTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "raftcast-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try write("cluster.secret", "0123456789abcdef0123456789abcdef\n")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Writes `text` to `name` in the folder, mode 0600 (as a secret file must be).
    func write(_ name: String, _ text: String) throws {
        try PrivateFile.write(text, to: "\(directory!)/\(name)")
    }

    /// Parses `yaml`, expecting failure; returns the error lines.
    func errors(_ yaml: String) -> [String] {
        do {
            _ = try ClusterConfig.parse(yaml: yaml, directory: directory)
            XCTFail("expected errors for:\n\(yaml)")
            return []
        } catch {
            return error.lines
        }
    }

    static let minimal = """
        cluster:
          name: test
          secret_file: cluster.secret
        nodes:
          - id: n1
            raft: 127.0.0.1:7100
            http: 127.0.0.1:8100
            data_dir: data/n1
        """

    func testRepositoryExampleParses() throws {
        // The commented example at the top of the repository, with a secret next to it.
        let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let example = try String(contentsOf: repoRoot.appendingPathComponent("cluster.yaml"), encoding: .utf8)
        try write("cluster.yaml", example)
        let config = try ClusterConfig.load(path: "\(directory!)/cluster.yaml")
        XCTAssertEqual(config.name, "living-room")
        XCTAssertEqual(config.secretFile, "\(directory!)/cluster.secret")
        XCTAssertEqual(config.secret, Array("0123456789abcdef0123456789abcdef".utf8), "trailing newline trimmed")
        XCTAssertEqual(config.heartbeatMilliseconds, 50)
        XCTAssertEqual(config.electionTimeoutMilliseconds, 150...300)
        XCTAssertEqual(config.fragmentSeconds, 2.0)
        XCTAssertEqual(config.playoutDelayMilliseconds, 500)
        XCTAssertEqual(config.retention, ClusterConfig.Retention(keepStreams: 100, keepHours: nil))
        XCTAssertEqual(config.nodes.map(\.id), ["n1", "n2", "n3"])
        XCTAssertEqual(config.nodes[1].raft, PeerAddress(host: "192.168.1.11", port: 7100))
        XCTAssertEqual(config.nodes[1].http, PeerAddress(host: "192.168.1.11", port: 8100))
        XCTAssertEqual(config.nodes[0].audioDevice, "default")
        XCTAssertNil(config.nodes[2].audioDevice, "\"none\" disables audio")
        XCTAssertEqual(config.nodes[0].dataDirectory, "/var/lib/raftcast/n1")
        XCTAssertEqual(config.nodes[0].raftID, ClusterConfig.raftID(for: "n1"))
        // Printing a configuration never shows the secret.
        for text in ["\(config)", String(reflecting: config), "\(config.transportConfig(for: config.nodes[0]))"] {
            XCTAssertFalse(text.contains("0123456789abcdef"), text)
            XCTAssertTrue(text.contains("<32 bytes"), text)
        }
    }

    func testDefaultsAndRelativePaths() throws {
        let config = try ClusterConfig.parse(yaml: Self.minimal, directory: directory)
        XCTAssertEqual(config.heartbeatMilliseconds, ClusterConfig.Defaults.heartbeatMilliseconds)
        XCTAssertEqual(config.electionTimeoutMilliseconds, ClusterConfig.Defaults.electionTimeoutMilliseconds)
        XCTAssertEqual(config.fragmentSeconds, 2.0)
        XCTAssertEqual(config.playoutDelayMilliseconds, 500)
        XCTAssertNil(config.nodes[0].audioDevice)
        XCTAssertEqual(config.nodes[0].dataDirectory, "\(directory!)/data/n1")
    }

    /// An ALSA device string with colons, equals signs, commas and a path (alsa-lib's `file` plugin)
    /// is kept as written, plain or quoted; `none` in any case means no playback.
    func testAudioDeviceStringsAreKeptVerbatim() throws {
        let device = "file:FILE=/tmp/raftcast n1/out.raw,FORMAT=raw"
        for value in [device, "\"\(device)\"", "'\(device)'"] {
            let yaml = Self.minimal + "\n    audio: \(value)\n"
            XCTAssertEqual(try ClusterConfig.parse(yaml: yaml, directory: directory).nodes[0].audioDevice, device, value)
        }
        XCTAssertEqual(
            try ClusterConfig.parse(yaml: Self.minimal + "\n    audio: plughw:CARD=PCH,DEV=0\n", directory: directory)
                .nodes[0].audioDevice, "plughw:CARD=PCH,DEV=0")
        XCTAssertNil(try ClusterConfig.parse(yaml: Self.minimal + "\n    audio: None\n", directory: directory).nodes[0].audioDevice)
    }

    func testEveryProblemIsReportedOnItsOwnLine() {
        let lines = errors("""
            cluster:
              name: test
              secret_file: missing.secret
              heartbeat_ms: -5
              election_timeout_ms: [300, 150]
              fragment_seconds: zero
              playout_delay_ms: 0
              heatbeat_ms: 50
            nodes:
              - id: n1
                raft: 127.0.0.1:7100
                http: x
                data_dir: /d1
              - id: n1
                raft: "x"
                http: 127.0.0.1:7100
              - id: "bad id"
                raft: 127.0.0.1:99999
                http: 127.0.0.1:8102
                data_dir: /d3
            """)
        XCTAssertEqual(lines, [
            "error: cluster.yaml: cluster.heatbeat_ms: unknown key (known keys: name, secret_file, heartbeat_ms, election_timeout_ms, fragment_seconds, playout_delay_ms, media_dir, max_upload_mb, open_reads, retention, cors_origin) (line 8)",
            "error: cluster.yaml: cluster.secret_file: \"missing.secret\" does not exist (looked for \(directory!)/missing.secret) (line 3)",
            "error: cluster.yaml: cluster.heartbeat_ms: must be a positive integer, got -5 (line 4)",
            "error: cluster.yaml: cluster.election_timeout_ms: minimum 300 must be below maximum 150 (the timeout is randomized between them) (line 5)",
            "error: cluster.yaml: cluster.fragment_seconds: must be a positive number, got \"zero\" (line 6)",
            "error: cluster.yaml: cluster.playout_delay_ms: must be a positive integer, got 0 (line 7)",
            "error: cluster.yaml: nodes[0].http: \"x\" is not host:port (line 12)",
            "error: cluster.yaml: nodes[1].id: \"n1\" is already used by nodes[0] (line 14)",
            "error: cluster.yaml: nodes[1].raft: \"x\" is not host:port (line 15)",
            "error: cluster.yaml: nodes[1].http: 127.0.0.1:7100 is already used by nodes[0].raft (line 16)",
            "error: cluster.yaml: nodes[1].data_dir: is missing (line 14)",
            "error: cluster.yaml: nodes[2].id: \"bad id\" may contain only letters, digits, '.', '_' and '-' (1-64 characters) (line 17)",
            "error: cluster.yaml: nodes[2].raft: \"127.0.0.1:99999\" is not host:port (line 18)",
        ])
    }

    func testLibraryUploadAndReadSettings() throws {
        try FileManager.default.createDirectory(atPath: "\(directory!)/library", withIntermediateDirectories: true)
        let yaml = Self.minimal.replacingOccurrences(
            of: "  secret_file: cluster.secret",
            with: "  secret_file: cluster.secret\n  media_dir: library\n  max_upload_mb: 8\n  open_reads: false")
        let config = try ClusterConfig.parse(yaml: yaml, directory: directory)
        XCTAssertEqual(config.mediaDirectory, "\(directory!)/library")
        XCTAssertEqual(config.maxUploadBytes, 8 << 20)
        XCTAssertFalse(config.openReads)

        let defaults = try ClusterConfig.parse(yaml: Self.minimal, directory: directory)
        XCTAssertNil(defaults.mediaDirectory)
        XCTAssertEqual(defaults.maxUploadBytes, 1024 << 20)
        XCTAssertTrue(defaults.openReads)

        let bad = errors(
            Self.minimal.replacingOccurrences(
                of: "  secret_file: cluster.secret",
                with: "  secret_file: cluster.secret\n  media_dir: nowhere\n  max_upload_mb: -1\n  open_reads: maybe"))
        XCTAssertEqual(bad.count, 3, "\(bad)")
        XCTAssertTrue(bad[0].contains("cluster.media_dir: \(directory!)/nowhere is not a folder (line 4)"), bad[0])
        XCTAssertTrue(bad[1].contains("cluster.max_upload_mb: must be a positive integer, got -1 (line 5)"), bad[1])
        XCTAssertTrue(bad[2].contains("cluster.open_reads: must be true or false, got \"maybe\" (line 6)"), bad[2])
    }

    func testCORSOriginIsAnOriginOrAStar() throws {
        func config(_ value: String) throws -> ClusterConfig {
            try ClusterConfig.parse(
                yaml: Self.minimal.replacingOccurrences(
                    of: "  secret_file: cluster.secret", with: "  secret_file: cluster.secret\n  cors_origin: \(value)"),
                directory: directory)
        }
        XCTAssertNil(try ClusterConfig.parse(yaml: Self.minimal, directory: directory).corsOrigin)
        XCTAssertEqual(try config("https://screens.example:8443").corsOrigin, "https://screens.example:8443")
        XCTAssertEqual(try config("'*'").corsOrigin, "*")
        for bad in ["screens.example", "https://screens.example/page", "ftp://x", "https://", "'https://a b'"] {
            let lines = errors(
                Self.minimal.replacingOccurrences(
                    of: "  secret_file: cluster.secret", with: "  secret_file: cluster.secret\n  cors_origin: \(bad)"))
            XCTAssertEqual(lines.count, 1, bad)
            XCTAssertTrue(lines.first?.contains("cluster.cors_origin: must be") ?? false, "\(bad): \(lines)")
        }
    }

    func testRoleMakesListenersLearnersOfTheBootstrapMembership() throws {
        let yaml = Self.minimal + """

              - id: tv
                raft: 127.0.0.1:7101
                http: 127.0.0.1:8101
                data_dir: data/tv
                role: listener
              - id: n2
                raft: 127.0.0.1:7102
                http: 127.0.0.1:8102
                data_dir: data/n2
                role: voter
            """
        let config = try ClusterConfig.parse(yaml: yaml, directory: directory)
        XCTAssertEqual(config.nodes.map(\.role), [.voter, .listener, .voter])
        XCTAssertEqual(
            config.bootstrapConfState,
            ConfState(voters: [ClusterConfig.raftID(for: "n1"), ClusterConfig.raftID(for: "n2")], learners: [ClusterConfig.raftID(for: "tv")]))
        XCTAssertEqual(
            errors(Self.minimal + "\n    role: speaker\n"),
            ["error: cluster.yaml: nodes[0].role: \"speaker\" is not voter or listener (line 9)"])
        XCTAssertEqual(
            errors(Self.minimal + "\n    role: listener\n"),
            ["error: cluster.yaml: nodes: every node is a listener; at least one must be a voter (role: voter, the default)"])
    }

    func testYAMLSyntaxErrorHasLineNumber() {
        let lines = errors("cluster:\n  name: test\n  secret_file: [unclosed\nnodes: []\n")
        XCTAssertEqual(lines.count, 1)
        XCTAssertTrue(lines[0].hasPrefix("error: cluster.yaml: YAML syntax error: "), lines[0])
        XCTAssertTrue(lines[0].range(of: #"\(line [345]\)$"#, options: .regularExpression) != nil, lines[0])
        let tabs = errors("cluster:\n\tname: test\n")
        XCTAssertEqual(tabs.count, 1)
        XCTAssertEqual(tabs, ["error: cluster.yaml: YAML syntax error: while scanning for the next token, found character that cannot start any token (line 2)"])
    }

    func testDuplicateKeysAndWrongShapes() {
        XCTAssertEqual(errors("cluster:\n  name: a\n  name: b\nnodes: []\n").count, 1)
        XCTAssertEqual(errors("- 1\n- 2\n"), ["error: cluster.yaml: expected a mapping with keys \"cluster\" and \"nodes\" (line 1)"])
        XCTAssertEqual(errors(""), ["error: cluster.yaml: expected a mapping with keys \"cluster\" and \"nodes\""])
        XCTAssertEqual(errors("cluster: 5\nnodes: {}\n"), [
            "error: cluster.yaml: cluster: must be a mapping of settings (line 1)",
            "error: cluster.yaml: nodes: must be a list of nodes (line 2)",
        ])
        XCTAssertEqual(errors("cluster:\n  secret_file: cluster.secret\nnodes: []\nextra: 1\n"), [
            "error: cluster.yaml: extra: unknown key (known keys: cluster, nodes) (line 4)",
            "error: cluster.yaml: cluster.name: is missing (line 2)",
            "error: cluster.yaml: nodes: must list at least one node (line 3)",
        ])
        XCTAssertEqual(errors("nodes:\n  - 7\n"), [
            "error: cluster.yaml: cluster: is missing",
            "error: cluster.yaml: nodes[0]: must be a mapping with id, raft, http, audio, data_dir (line 2)",
        ])
    }

    func testElectionTimeoutRules() {
        func election(_ heartbeat: String, _ range: String) -> [String] {
            errors(Self.minimal.replacingOccurrences(
                of: "  secret_file: cluster.secret",
                with: "  secret_file: cluster.secret\n  heartbeat_ms: \(heartbeat)\n  election_timeout_ms: \(range)"))
        }
        XCTAssertEqual(election("50", "[100, 300]"), [
            "error: cluster.yaml: cluster.election_timeout_ms: minimum 100 must be at least 3 × heartbeat_ms (150), or followers start elections while the leader is healthy (line 5)",
        ])
        XCTAssertEqual(election("50", "[200, 200]"), [
            "error: cluster.yaml: cluster.election_timeout_ms: minimum 200 must be below maximum 200 (the timeout is randomized between them) (line 5)",
        ])
        XCTAssertEqual(election("50", "300"), [
            "error: cluster.yaml: cluster.election_timeout_ms: must be [min, max] in milliseconds, got \"300\" (line 5)",
        ])
        XCTAssertEqual(election("50", "[0, 300]"), [
            "error: cluster.yaml: cluster.election_timeout_ms[0]: must be a positive integer, got 0 (line 5)",
        ])
        // Defaults are cross-checked too: a slow heartbeat against the default range.
        XCTAssertEqual(errors(Self.minimal.replacingOccurrences(
            of: "  secret_file: cluster.secret", with: "  secret_file: cluster.secret\n  heartbeat_ms: 100")), [
            "error: cluster.yaml: cluster.election_timeout_ms: minimum 150 must be at least 3 × heartbeat_ms (300), or followers start elections while the leader is healthy (line 4)",
        ])
        XCTAssertNoThrow(try ClusterConfig.parse(yaml: Self.minimal.replacingOccurrences(
            of: "  secret_file: cluster.secret",
            with: "  secret_file: cluster.secret\n  heartbeat_ms: 20\n  election_timeout_ms: [60, 120]"), directory: directory))
    }

    func testSecretFileProblems() throws {
        func secretErrors(_ content: String?) throws -> [String] {
            let path = "\(directory!)/s"
            try? FileManager.default.removeItem(atPath: path)
            if let content { try write("s", content) }
            return errors(Self.minimal.replacingOccurrences(of: "secret_file: cluster.secret", with: "secret_file: s"))
        }
        XCTAssertEqual(try secretErrors(" \n\t\n"), ["error: cluster.yaml: cluster.secret_file: \"s\" is empty (line 3)"])
        XCTAssertEqual(try secretErrors("short\n"), [
            "error: cluster.yaml: cluster.secret_file: \"s\" holds 5 bytes; at least 16 are needed (e.g. (umask 077; head -c 32 /dev/urandom | base64 > s)) (line 3)",
        ])
        XCTAssertEqual(try secretErrors(nil), [
            "error: cluster.yaml: cluster.secret_file: \"s\" does not exist (looked for \(directory!)/s) (line 3)",
        ])
        try FileManager.default.createDirectory(atPath: "\(directory!)/dir", withIntermediateDirectories: true)
        XCTAssertEqual(errors(Self.minimal.replacingOccurrences(of: "secret_file: cluster.secret", with: "secret_file: dir")), [
            "error: cluster.yaml: cluster.secret_file: \"dir\" cannot be read (\(directory!)/dir) (line 3)",
        ])
        XCTAssertEqual(errors(Self.minimal.replacingOccurrences(of: "secret_file: cluster.secret", with: "secret_file:")), [
            "error: cluster.yaml: cluster.secret_file: is missing (line 3)",
        ])
        // Absolute paths are used as they are.
        let absolute = Self.minimal.replacingOccurrences(of: "secret_file: cluster.secret",
                                                         with: "secret_file: \(directory!)/cluster.secret")
        XCTAssertEqual(try ClusterConfig.parse(yaml: absolute, directory: "/nowhere").secret.count, 32)
    }

    /// A secret file that group or others may read or write is refused with the command that fixes it,
    /// naming the secret file itself (not cluster.yaml); owner-only modes are accepted.
    func testSecretFileReadableByGroupOrOthersIsRefused() throws {
        let path = "\(directory!)/cluster.secret"
        let yaml = Self.minimal
        for (mode, word) in [(0o644, "readable"), (0o640, "readable"), (0o604, "readable"), (0o620, "writable"), (0o602, "writable"), (0o660, "readable")] {
            XCTAssertEqual(chmod(path, mode_t(mode)), 0)
            XCTAssertEqual(errors(yaml), [
                "error: \(path): secret file is \(word) by group or others; run: chmod 600 \(path)",
            ], String(mode, radix: 8))
        }
        for mode in [0o600, 0o400] {
            XCTAssertEqual(chmod(path, mode_t(mode)), 0)
            XCTAssertEqual(try ClusterConfig.parse(yaml: yaml, directory: directory).secret.count, 32, String(mode, radix: 8))
        }
        // The other problems of the file are still reported with it.
        XCTAssertEqual(chmod(path, 0o644), 0)
        XCTAssertEqual(errors(yaml.replacingOccurrences(of: "name: test", with: "name: \"\"")), [
            "error: cluster.yaml: cluster.name: is empty (line 2)",
            "error: \(path): secret file is readable by group or others; run: chmod 600 \(path)",
        ])
    }

    func testLoadReportsMissingFile() {
        XCTAssertThrowsError(try ClusterConfig.load(path: "\(directory!)/nope.yaml")) { error in
            XCTAssertEqual((error as? ClusterConfigError)?.lines, ["error: \(directory!)/nope.yaml: file does not exist"])
        }
    }

    func testAddressParsing() {
        let valid: [String: PeerAddress] = [
            "127.0.0.1:7100": PeerAddress(host: "127.0.0.1", port: 7100),
            "node-1.lan:1": PeerAddress(host: "node-1.lan", port: 1),
            "[::1]:65535": PeerAddress(host: "::1", port: 65535),
            "[fe80::1:2]:80": PeerAddress(host: "fe80::1:2", port: 80),
        ]
        for (text, address) in valid { XCTAssertEqual(ClusterConfig.parseAddress(text), address, text) }
        for text in ["x", "", ":7100", "host:", "host:0", "host:65536", "host:-1", "host:+80", "::1:80", "[::1]80",
                     "[::1]", "[x]:80", "a b:80", "-a:80", "a..b:80", "host:080000", "hôst:80", "host:٣"] {
            XCTAssertNil(ClusterConfig.parseAddress(text), text)
        }
    }

    /// Reference values: the published FNV-1a 64-bit test vectors.
    func testRaftIDIsFNV1a64() {
        XCTAssertEqual(ClusterConfig.raftID(for: ""), 0xcbf2_9ce4_8422_2325)
        XCTAssertEqual(ClusterConfig.raftID(for: "a"), 0xaf63_dc4c_8601_ec8c)
        XCTAssertEqual(ClusterConfig.raftID(for: "foobar"), 0x8594_4171_f739_67e8)
        XCTAssertNotEqual(ClusterConfig.raftID(for: "n1"), ClusterConfig.raftID(for: "n2"))
        XCTAssertNotEqual(ClusterConfig.raftID(for: "n1"), NodeID.none)
    }

    func testLocalMemberResolution() throws {
        let yaml = """
            cluster:
              name: test
              secret_file: cluster.secret
            nodes:
              - {id: n1, raft: "10.0.0.1:7100", http: "10.0.0.1:8100", data_dir: /a}
              - {id: n2, raft: "10.0.0.2:7100", http: "10.0.0.2:8100", data_dir: /b}
              - {id: n3, raft: "Box3.lan:7100", http: "box3.lan:8100", data_dir: /c}
            """
        let config = try ClusterConfig.parse(yaml: yaml, directory: directory)
        XCTAssertEqual(try config.localMember(localAddresses: ["127.0.0.1", "10.0.0.2"]).id, "n2")
        XCTAssertEqual(try config.localMember(localAddresses: ["box3.lan"]).id, "n3")
        XCTAssertEqual(try config.localMember(id: "n1", localAddresses: []).id, "n1")
        XCTAssertThrowsError(try config.localMember(localAddresses: ["127.0.0.1"])) { error in
            XCTAssertEqual("\(error)", "no node's raft address is on this machine (its addresses: 127.0.0.1); pass --id to choose one of n1, n2, n3")
        }
        XCTAssertThrowsError(try config.localMember(localAddresses: ["10.0.0.1", "10.0.0.2"])) { error in
            XCTAssertEqual("\(error)", "several nodes have a raft address on this machine (n1, n2); pass --id to choose one")
        }
        XCTAssertThrowsError(try config.localMember(id: "n9", localAddresses: [])) { error in
            XCTAssertEqual("\(error)", "--id n9: no such node in the configuration (known: n1, n2, n3)")
        }
        // This machine's real interfaces include loopback.
        XCTAssertTrue(ClusterConfig.localInterfaceAddresses().contains("127.0.0.1"))
    }

    func testTransportConfigForMember() throws {
        let yaml = Self.minimal + "\n  - {id: n2, raft: \"127.0.0.1:7101\", http: \"127.0.0.1:8101\", data_dir: /b}\n"
        let config = try ClusterConfig.parse(yaml: yaml, directory: directory)
        let transport = config.transportConfig(for: config.nodes[1])
        XCTAssertEqual(transport.localID, "n2")
        XCTAssertEqual(transport.clusterName, "test")
        XCTAssertEqual(transport.listenAddress, PeerAddress(host: "127.0.0.1", port: 7101))
        XCTAssertEqual(transport.peers, ["n1": PeerAddress(host: "127.0.0.1", port: 7100)])
        XCTAssertEqual(transport.secret, config.secret)
    }
}
