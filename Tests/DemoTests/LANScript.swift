import Foundation
import TestSupport
import XCTest

/// `scripts/lan.sh` run by the tests: its own namespace prefix, subnet and work folder, so it never
/// touches a LAN someone brought up by hand.
struct LANScript {
    /// What `lan.sh` exits with when root, iproute2 or network namespaces are missing.
    static let noPrivilegeStatus: Int32 = 3
    /// What it exits with when the kernel lacks the netem qdisc.
    static let unsupportedStatus: Int32 = 4

    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let script: String
    let environment: [String: String]
    let work: URL
    /// The namespace prefix (namespaces `<name>-nK`, bridge `<name>br0`).
    let name: String
    /// The first three octets of the nodes' addresses.
    let subnet: String

    /// A LAN for test number `test` (0–49) of this process: the namespace prefix and the subnet carry
    /// the process id, so test runs on one machine at the same time do not take each other's LAN down.
    init(test: Int) throws {
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        try self.init(name: "t\(test)\(pid % 10_000)", subnet: "10.\(200 + test).\(pid % 250)")
    }

    private init(name: String, subnet: String) throws {
        self.name = name
        self.subnet = subnet
        script = repository.appendingPathComponent("scripts/lan.sh").path
        work = ScratchDirectory.forProcess(prefix: "raftcast-lan-tests").appendingPathComponent(name)
        environment = [
            "LAN_WORK": work.path, "LAN_NAME": name, "LAN_SUBNET": subnet, "RAFTCAST_BINARY": try RaftcastExecutable.path(),
        ]
    }

    /// Runs `lan.sh arguments…` (bounded).
    func run(_ arguments: [String], timeout: TimeInterval = 60) throws -> ToolProcess.Result {
        try ToolProcess.run("/bin/bash", [script] + arguments, timeout: timeout, environment: environment)
    }

    /// Polls `lan.sh leader` every 100 ms until it names a leader for which `accept` holds, within `timeout`.
    func waitForLeader(timeout: Duration = .seconds(20), where accept: (String, UInt64) -> Bool = { _, _ in true }) throws -> (String, UInt64) {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            let result = try run(["leader"], timeout: 10)
            let words = result.stdoutText.split(whereSeparator: \.isWhitespace).map(String.init)
            if result.status == 0, words.count == 2, let term = UInt64(words[1]), accept(words[0], term) {
                return (words[0], term)
            }
            last = result.stdoutText + result.stderrText
            usleep(100_000)
        }
        throw LANScriptFailure(description: "lan.sh leader: no leader within \(timeout); last answer: \(last)\n\(logTails())")
    }
}

extension LANScript {
    /// A copy of the script (mode 0755) in a new folder of its own (mode 0755) under /tmp, for running it
    /// as another user: the checkout itself may be inside a folder only its owner can enter.
    func worldReadableCopy() throws -> URL {
        var template = Array("/tmp/raftcast-lan-script-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw LANScriptFailure(description: "mkdtemp: errno \(errno)") }
        let folder = URL(fileURLWithPath: String(cString: made))
        let copy = folder.appendingPathComponent("lan.sh")
        try FileManager.default.copyItem(atPath: script, toPath: copy.path)
        guard chmod(folder.path, 0o755) == 0, chmod(copy.path, 0o755) == 0 else {
            throw LANScriptFailure(description: "chmod \(copy.path): errno \(errno)")
        }
        return copy
    }

    /// The last lines of every node's log, for failure messages.
    func logTails(lines: Int = 10) -> String {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: work.path)) ?? []).filter { $0.hasSuffix(".log") }.sorted()
        return names.map { name in
            let text = (try? String(contentsOf: work.appendingPathComponent(name), encoding: .utf8)) ?? ""
            return "--- \(name)\n" + text.split(separator: "\n").suffix(lines).joined(separator: "\n")
        }.joined(separator: "\n")
    }
}

/// A `lan.sh` step that did not reach its condition.
struct LANScriptFailure: Error, CustomStringConvertible {
    var description: String
}
