import Foundation
import TestSupport
import XCTest

/// packaging/systemd/raftcast.service: what it runs, its readiness type and the hardening that must not
/// cost the node its sound card; and `systemd-analyze verify` on it (SystemdNotifyTests show the node's
/// side of Type=notify).
final class SystemdUnitTests: XCTestCase {
    static let unitPath = "packaging/systemd/raftcast.service"

    /// The unit's `[Service]` settings as key → values (a key may repeat).
    static func serviceSettings(_ text: String) -> [String: [String]] {
        var section = ""
        var settings: [String: [String]] = [:]
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") { section = line; continue }
            guard section == "[Service]", let equals = line.firstIndex(of: "=") else { continue }
            settings[String(line[..<equals]), default: []].append(String(line[line.index(after: equals)...]))
        }
        return settings
    }

    func testUnitRunsTheNodeWithReadinessAndAudioSafeHardening() throws {
        let settings = Self.serviceSettings(try Repository.text(Self.unitPath))
        XCTAssertEqual(settings["Type"], ["notify"])
        XCTAssertEqual(settings["ExecStart"], ["/usr/local/bin/raftcast node --config /etc/raftcast/cluster.yaml"])
        XCTAssertEqual(settings["User"], ["raftcast"])
        XCTAssertEqual(settings["SupplementaryGroups"], ["audio"])
        XCTAssertEqual(settings["StateDirectory"], ["raftcast"])
        XCTAssertEqual(settings["ProtectSystem"], ["strict"])
        XCTAssertEqual(settings["NoNewPrivileges"], ["yes"])
        XCTAssertEqual(settings["Restart"], ["on-failure"])
        XCTAssertEqual(settings["RestartPreventExitStatus"], ["2"], "bad configuration is not retried")
        let files = try XCTUnwrap(settings["LimitNOFILE"]?.first.flatMap { Int($0) })
        XCTAssertGreaterThanOrEqual(files, 8192)
        // Each of these hides /dev/snd from the service (ProtectClock= implies a device allow-list).
        for key in ["PrivateDevices", "DevicePolicy", "DeviceAllow", "ProtectClock"] {
            XCTAssertNil(settings[key], "\(key)= would take the sound devices away")
        }
        // The node stops within its shutdown grace (4 s) plus margin.
        let stop = try XCTUnwrap(settings["TimeoutStopSec"]?.first.flatMap { Int($0) })
        XCTAssertGreaterThan(Double(stop), 4)
    }

    /// `systemd-analyze verify` on the unit in a scratch root that has the unit tree of this machine and
    /// an executable at ExecStart's path: no error, and no line about the unit at all (an unknown or
    /// misspelt key is only a warning, with exit 0).
    func testSystemdAnalyzeVerifyAcceptsTheUnit() throws {
        guard let analyze = Repository.tool("systemd-analyze") else {
            throw XCTSkip("systemd-analyze is not installed (Debian package systemd); the unit is not verified")
        }
        guard FileManager.default.fileExists(atPath: "/usr/lib/systemd/system/multi-user.target") else {
            throw XCTSkip("no systemd unit tree in /usr/lib/systemd/system to verify against")
        }
        let root = try Repository.scratch("raftcast-unit")
        defer { try? FileManager.default.removeItem(at: root) }
        let folders = ["usr/local/bin", "etc/systemd/system", "usr/lib/systemd"]
        for folder in folders {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        let copy = try ToolProcess.run("cp", ["-a", "/usr/lib/systemd/system", root.appendingPathComponent("usr/lib/systemd").path])
        XCTAssertEqual(copy.status, 0, copy.stderrText)
        // ExecStart must name an executable inside the root; verify checks the path, not what it runs.
        let stub = root.appendingPathComponent("usr/local/bin/raftcast").path
        try "#!/bin/sh\nexit 0\n".write(toFile: stub, atomically: true, encoding: .utf8)
        XCTAssertEqual(chmod(stub, 0o755), 0)
        let unit = root.appendingPathComponent("etc/systemd/system/raftcast.service")
        try FileManager.default.copyItem(atPath: Repository.path(Self.unitPath), toPath: unit.path)

        let run = try ToolProcess.run(analyze, ["verify", "--man=no", "--root=\(root.path)", "raftcast.service"], timeout: 60)
        XCTAssertEqual(run.status, 0, run.stderrText)
        let aboutUnit = (run.stdoutText + run.stderrText).split(separator: "\n").filter { $0.contains("raftcast.service") }
        XCTAssertEqual(aboutUnit, [], "systemd-analyze has remarks on the unit")

        // The check can fail: a misspelt key is reported.
        let text = try String(contentsOf: unit, encoding: .utf8)
        try text.replacingOccurrences(of: "NotifyAccess=", with: "NotifyAcess=").write(to: unit, atomically: true, encoding: .utf8)
        let misspelt = try ToolProcess.run(analyze, ["verify", "--man=no", "--root=\(root.path)", "raftcast.service"], timeout: 60)
        XCTAssertTrue(misspelt.stderrText.contains("Unknown key 'NotifyAcess'"), misspelt.stderrText)
    }
}
