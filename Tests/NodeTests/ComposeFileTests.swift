import Foundation
import RaftcastClient
import TestSupport
import XCTest
import Yams

/// packaging/compose/compose.yaml and the cluster.yaml beside it: three services built from the
/// Dockerfile, each at its own address on one bridge network, running the node of cluster.yaml that has
/// that address; the configuration accepted by the real binary; and the healthcheck's command run
/// against a real node's `GET /health`. (No Docker engine is needed: the files are checked, not run.)
final class ComposeFileTests: XCTestCase {
    static let folder = PythonTools.repositoryRoot.appendingPathComponent("packaging/compose")

    struct Service {
        var name: String
        var command: [String]
        var address: String
        var volumes: [String]
        var healthcheck: [String]
    }

    /// The compose file as a dictionary, and its services.
    static func load() throws -> (document: [String: Any], services: [Service]) {
        let text = try String(contentsOf: folder.appendingPathComponent("compose.yaml"), encoding: .utf8)
        let document = try XCTUnwrap(try Yams.load(yaml: text) as? [String: Any])
        let services = try XCTUnwrap(document["services"] as? [String: Any])
        let parsed = try services.keys.sorted().map { name -> Service in
            let service = try XCTUnwrap(services[name] as? [String: Any], name)
            let networks = try XCTUnwrap(service["networks"] as? [String: Any], "\(name): networks")
            let network = try XCTUnwrap(networks["raftcast"] as? [String: Any], "\(name): on network raftcast")
            return Service(
                name: name,
                command: try XCTUnwrap(service["command"] as? [String], "\(name): command"),
                address: try XCTUnwrap(network["ipv4_address"] as? String, "\(name): ipv4_address"),
                volumes: try XCTUnwrap(service["volumes"] as? [String], "\(name): volumes"),
                healthcheck: try XCTUnwrap((service["healthcheck"] as? [String: Any])?["test"] as? [String], "\(name): healthcheck"))
        }
        return (document, parsed)
    }

    /// compose's cluster.yaml in a scratch folder with a secret beside it (the secret is never committed).
    static func configWithSecret() throws -> (folder: URL, path: String) {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("raftcast-compose-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let path = scratch.appendingPathComponent("cluster.yaml").path
        try FileManager.default.copyItem(atPath: folder.appendingPathComponent("cluster.yaml").path, toPath: path)
        try PrivateFile.write("compose-test-secret-0123456789", to: scratch.appendingPathComponent("cluster.secret").path)
        return (scratch, path)
    }

    func testThreeServicesAtTheAddressesOfTheirNodesInClusterYAML() throws {
        let (document, services) = try Self.load()
        XCTAssertEqual(services.map(\.name), ["n1", "n2", "n3"])
        XCTAssertEqual(Set(services.map(\.address)).count, 3, "distinct addresses: \(services.map(\.address))")

        // One user-defined bridge network whose subnet holds every address.
        let network = try XCTUnwrap((document["networks"] as? [String: Any])?["raftcast"] as? [String: Any])
        XCTAssertEqual(network["driver"] as? String, "bridge")
        let ipam = try XCTUnwrap((network["ipam"] as? [String: Any])?["config"] as? [[String: Any]])
        let subnet = try XCTUnwrap(ipam.first?["subnet"] as? String)
        for service in services {
            XCTAssertTrue(Self.address(service.address, isIn: subnet), "\(service.name): \(service.address) not in \(subnet)")
        }
        // Built from the repository's Dockerfile.
        let anchor = try XCTUnwrap(document["x-node"] as? [String: Any])
        let build = try XCTUnwrap(anchor["build"] as? [String: Any])
        let context = Self.folder.appendingPathComponent(try XCTUnwrap(build["context"] as? String)).standardizedFileURL
        XCTAssertEqual(context.path, PythonTools.repositoryRoot.standardizedFileURL.path)
        XCTAssertTrue(FileManager.default.fileExists(atPath: context.appendingPathComponent(try XCTUnwrap(build["dockerfile"] as? String)).path))

        let (scratch, configPath) = try Self.configWithSecret()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let config = try ClusterConfig.load(path: configPath)
        XCTAssertEqual(config.nodes.map(\.id), services.map(\.name))
        let declaredVolumes = try XCTUnwrap(document["volumes"] as? [String: Any?])
        for service in services {
            XCTAssertEqual(service.command, ["node", "--config", "/etc/raftcast/cluster.yaml", "--id", service.name])
            let node = try XCTUnwrap(config.member(id: service.name))
            XCTAssertEqual(node.raft.host, service.address, service.name)
            XCTAssertEqual(node.http.host, service.address, service.name)
            XCTAssertEqual(node.audioDevice, nil, "\(service.name): audio none (a container has no sound card)")
            // The same cluster.yaml and the secret beside it, read-only; data in the service's own named volume.
            XCTAssertTrue(service.volumes.contains("./cluster.yaml:/etc/raftcast/cluster.yaml:ro"), "\(service.volumes)")
            XCTAssertTrue(service.volumes.contains("./cluster.secret:/etc/raftcast/cluster.secret:ro"), "\(service.volumes)")
            let data = try XCTUnwrap(service.volumes.first { $0.hasSuffix(":/var/lib/raftcast") }, "\(service.volumes)")
            let volume = String(data.split(separator: ":")[0])
            XCTAssertTrue(declaredVolumes.keys.contains(volume), "\(volume) is a named volume")
            XCTAssertTrue(node.dataDirectory.hasPrefix("/var/lib/raftcast/"), node.dataDirectory)
            // The healthcheck asks this node's own HTTP address for /health.
            XCTAssertTrue(service.healthcheck.joined(separator: " ").contains("/dev/tcp/\(node.http.host)/\(node.http.port)"), "\(service.healthcheck)")
            XCTAssertTrue(service.healthcheck.joined(separator: " ").contains("GET /health "), "\(service.healthcheck)")

            // The real binary accepts it for this node.
            let check = try runRaftcast(["node", "--config", configPath, "--id", service.name, "--check"])
            XCTAssertEqual(check.status, 0, check.stderr)
            XCTAssertTrue(check.stdout.contains("this node \(service.name): raft \(service.address):"), check.stdout)
        }
        XCTAssertEqual(config.secretFile, scratch.appendingPathComponent("cluster.secret").path, "secret_file is cluster.secret beside cluster.yaml")
    }

    /// `--check` refuses what the node would refuse (exit 2, `error:`), and starts nothing.
    func testCheckRefusesABadConfiguration() throws {
        let (scratch, configPath) = try Self.configWithSecret()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let unknown = try runRaftcast(["node", "--config", configPath, "--id", "n9", "--check"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.hasPrefix("error: \(configPath): --id n9"), unknown.stderr)
        XCTAssertEqual(chmod(scratch.appendingPathComponent("cluster.secret").path, 0o644), 0)
        let open = try runRaftcast(["node", "--config", configPath, "--id", "n1", "--check"])
        XCTAssertEqual(open.status, 2)
        XCTAssertTrue(open.stderr.contains("secret file is readable by group or others"), open.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/var/lib/raftcast/n1/wal"), "--check creates nothing")
    }

    /// The healthcheck's command itself (bash's /dev/tcp, as in the image), pointed at a real node:
    /// it fails while nothing listens and passes once the node is healthy.
    func testHealthcheckCommandPassesOnlyForAHealthyNode() throws {
        let (_, services) = try Self.load()
        let test = services[0].healthcheck
        XCTAssertEqual(Array(test.prefix(3)), ["CMD", "bash", "-c"])
        let script = try XCTUnwrap(test.last)
        let cluster = try LocalCluster(size: 1)
        defer { cluster.shutdown() }
        let local = script.replacingOccurrences(of: "/dev/tcp/\(services[0].address)/8100", with: "/dev/tcp/127.0.0.1/\(cluster.httpPorts[0])")
        XCTAssertNotEqual(local, script)
        XCTAssertNotEqual(try runTool("/bin/bash", ["-c", local]).status, 0, "nothing listens yet")
        try cluster.start("n1")
        try eventually("the healthcheck passes (log: \(cluster.logTails()))", timeout: .seconds(30), interval: .milliseconds(200)) {
            try runTool("/bin/bash", ["-c", local], timeout: .seconds(5)).status == 0
        }
    }

    /// `a.b.c.d` is inside `network/bits` (IPv4).
    static func address(_ address: String, isIn cidr: String) -> Bool {
        func value(_ text: Substring) -> UInt32? {
            let parts = text.split(separator: ".").compactMap { UInt32($0) }
            guard parts.count == 4, parts.allSatisfy({ $0 < 256 }) else { return nil }
            return parts.reduce(0) { $0 << 8 | $1 }
        }
        let pieces = cidr.split(separator: "/")
        guard pieces.count == 2, let network = value(pieces[0]), let bits = UInt32(pieces[1]), bits <= 32,
            let host = value(Substring(address))
        else { return false }
        let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
        return host & mask == network & mask
    }
}
