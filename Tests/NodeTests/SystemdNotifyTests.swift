import Foundation
import Logging
import Node
import TestSupport
import XCTest

/// systemd's readiness protocol (`Type=notify` in packaging/systemd/raftcast.service): the datagrams a
/// node sends to `NOTIFY_SOCKET`, read from a socket the test binds where systemd would.
final class SystemdNotifyTests: XCTestCase {
    /// A real node with `NOTIFY_SOCKET` set: `READY=1` once, when its HTTP API already answers, and
    /// `STOPPING=1` after SIGTERM, before it exits 0.
    func testNodeSendsReadyWhenServingAndStoppingOnSIGTERM() throws {
        let cluster = try LocalCluster(size: 1)
        defer { cluster.shutdown() }
        let listener = try NotifySocketListener(name: cluster.directory.appendingPathComponent("notify").path)
        defer { listener.close() }
        try cluster.start("n1", environment: ["NOTIFY_SOCKET": listener.name])
        var states: [String] = []
        try eventually("READY=1 from the node (log: \(cluster.logTails()))", timeout: .seconds(30)) {
            states += listener.drain()
            return states.contains { $0.split(separator: "\n").contains("READY=1") }
        }
        // Ready means serving: the API answers now, without a retry.
        let report = try XCTUnwrap(cluster.report("n1", timeout: .seconds(5)), "no /v1/cluster after READY=1\n\(cluster.logTails())")
        XCTAssertEqual(report.id, "n1")
        XCTAssertEqual(states.filter { $0.contains("READY=1") }.count, 1, "\(states)")
        XCTAssertFalse(states.contains { $0.contains("STOPPING=1") }, "\(states)")

        XCTAssertEqual(cluster.terminate("n1", timeout: .seconds(10)), 0, cluster.logTails())
        // The process has exited: whatever it sent is in the socket's queue.
        XCTAssertEqual(listener.drain(), ["STOPPING=1"])
    }

    /// Abstract names (`@…`), each state once, nothing without (or with an unusable) `NOTIFY_SOCKET`.
    func testNotifierSendsToAbstractSocketsOnceEach() throws {
        let name = "@raftcast-notify-\(UUID().uuidString)"
        let listener = try NotifySocketListener(name: name)
        defer { listener.close() }
        let notifier = try XCTUnwrap(SystemdNotifier.fromEnvironment(["NOTIFY_SOCKET": name]))
        XCTAssertTrue(notifier.notifyOnce("READY=1"))
        XCTAssertFalse(notifier.notifyOnce("READY=1"))
        XCTAssertTrue(notifier.notifyOnce("STOPPING=1"))
        XCTAssertEqual(listener.drain(), ["READY=1", "STOPPING=1"])

        XCTAssertNil(SystemdNotifier.fromEnvironment([:]))
        XCTAssertNil(SystemdNotifier.fromEnvironment(["NOTIFY_SOCKET": ""]))
        XCTAssertNil(SystemdNotifier.fromEnvironment(["NOTIFY_SOCKET": "/" + String(repeating: "x", count: 200)]))
        let nobody = try XCTUnwrap(SystemdNotifier(socketName: "@raftcast-notify-unbound-\(UUID().uuidString)"))
        XCTAssertFalse(nobody.send("READY=1"), "no socket is bound to that name")
    }

    /// `READY=1` only when both the HTTP API and the Raft loop are up, whichever comes last.
    func testReadinessWaitsForBothParts() throws {
        let listener = try NotifySocketListener(name: "@raftcast-ready-\(UUID().uuidString)")
        defer { listener.close() }
        let readiness = NodeReadiness(notifier: SystemdNotifier(socketName: listener.name), logger: Logger(label: "test"))
        readiness.reached(.raftLoopRunning)
        readiness.reached(.raftLoopRunning)
        XCTAssertEqual(listener.drain(), [])
        readiness.reached(.httpListening)
        let states = listener.drain()
        XCTAssertEqual(states.count, 1)
        XCTAssertEqual(states.first?.split(separator: "\n").first, "READY=1")
        readiness.reached(.httpListening)
        readiness.stopping()
        readiness.stopping()
        XCTAssertEqual(listener.drain(), ["STOPPING=1"])
    }
}
