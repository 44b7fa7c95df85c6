import Foundation
import Node
import RaftcastClient
import TestSupport
import XCTest

/// `scripts/lan.sh`: three nodes in three network namespaces on a bridge, each started with the
/// plain `raftcast node --config cluster.yaml` (no --id: each finds itself by its address), a
/// leader elected, the leader SIGKILLed, a new leader, then everything taken down. Needs root and
/// network namespaces; skipped (with the script's reason) where they are missing.
final class LANScriptTests: XCTestCase {
    func testLeaderFailoverAcrossNamespacesAndCleanTeardown() throws {
        let lan = try LANScript(test: 0)
        let up = try lan.run(["up", "3", "--audio", "none"])
        if up.status == LANScript.noPrivilegeStatus {
            throw XCTSkip("scripts/lan.sh cannot build a LAN here: \(up.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        addTeardownBlock { _ = try? lan.run(["down"]) }
        XCTAssertEqual(up.status, 0, up.stderrText)
        XCTAssertEqual(up.stdoutText.components(separatedBy: "\n").filter { $0.hasPrefix("started n") }.count, 3, up.stdoutText)

        // The config names three addresses on the bridge, and no --id was given to any node.
        let config = try ClusterConfig.load(path: lan.work.appendingPathComponent("cluster.yaml").path)
        XCTAssertEqual(config.nodes.map { "\($0.raft)" }, (11...13).map { "\(lan.subnet).\($0):7100" })
        for id in ["n1", "n2", "n3"] {
            let command = try String(contentsOfFile: "/proc/\(try pid(lan, id))/cmdline", encoding: .utf8)
            XCTAssertFalse(command.contains("--id"), command)
        }

        let (leader, term) = try lan.waitForLeader()
        // Every node, asked from the host through the bridge, names the same leader.
        for (index, member) in config.nodes.enumerated() {
            let response = try HTTPFetch.request(host: "\(lan.subnet).1\(index + 1)", port: 8100, path: "/v1/cluster")
            let report = try JSONDecoder().decode(ClusterStatusReport.self, from: Data(response.body))
            XCTAssertEqual(report.id, member.id, "each node found itself by its address")
            XCTAssertEqual(report.leader, leader)
        }

        let killed = try lan.run(["kill", leader])
        XCTAssertEqual(killed.status, 0, killed.stderrText)
        let (successor, newTerm) = try lan.waitForLeader { id, t in id != leader && t > term }
        XCTAssertNotEqual(successor, leader)
        XCTAssertGreaterThan(newTerm, term)
        let status = try lan.run(["status"])
        XCTAssertEqual(status.status, 0, status.stderrText)
        let rows = status.stdoutText.split(separator: "\n").map(String.init)
        XCTAssertEqual(rows.count, 4, status.stdoutText)
        XCTAssertTrue(rows.contains { $0.hasPrefix(leader) && $0.contains("stopped") && $0.contains("UNREACHABLE") }, status.stdoutText)
        XCTAssertTrue(rows.contains { $0.hasPrefix(successor) && $0.contains("running") && $0.contains(" leader ") }, status.stdoutText)

        // netem works where the kernel has it; otherwise the script says so with its own status.
        let netem = try lan.run(["netem", successor, "delay", "20ms"])
        if netem.status == LANScript.unsupportedStatus {
            XCTAssertTrue(netem.stderrText.contains("no netem qdisc"), netem.stderrText)
        } else {
            XCTAssertEqual(netem.status, 0, netem.stderrText)
            XCTAssertTrue(try lan.run(["exec", successor, "tc", "qdisc", "show", "dev", "eth0"]).stdoutText.contains("netem"))
        }

        let down = try lan.run(["down"])
        XCTAssertEqual(down.status, 0, down.stderrText)
        let namespaces = try ToolProcess.run("ip", ["netns", "list"]).stdoutText
        XCTAssertFalse(namespaces.contains("\(lan.name)-n"), namespaces)
        XCTAssertNotEqual(try ToolProcess.run("ip", ["link", "show", "\(lan.name)br0"]).status, 0, "the bridge is gone")
        XCTAssertEqual(try lan.run(["down"]).status, 0, "down is idempotent")
        XCTAssertEqual(try lan.run(["up", "0"]).status, 2, "bad usage")
        // Without root the script says so and exits with its own status (3), before touching anything.
        // `nobody` runs a copy in a world-readable folder: the checkout may sit where only root can enter
        // (root's home is mode 0700), and then bash could not even open the script.
        let copy = try lan.worldReadableCopy()
        defer { try? FileManager.default.removeItem(at: copy.deletingLastPathComponent()) }
        let unprivileged = try ToolProcess.run(
            "setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "/bin/bash", copy.path, "up", "3"],
            timeout: 30, currentDirectory: copy.deletingLastPathComponent(), environment: lan.environment)
        XCTAssertEqual(unprivileged.status, LANScript.noPrivilegeStatus, unprivileged.stderrText)
        XCTAssertEqual(unprivileged.stderrText, "error: lan.sh: needs root (network namespaces, bridges and veth pairs); run it with sudo\n")
    }

    private func pid(_ lan: LANScript, _ id: String) throws -> Int32 {
        let text = try String(contentsOf: lan.work.appendingPathComponent("\(id).pid"), encoding: .utf8)
        return try XCTUnwrap(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }
}
