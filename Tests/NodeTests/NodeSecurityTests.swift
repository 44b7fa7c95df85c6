import Foundation
import NIOCore
import Node
import Raft
import RaftcastClient
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// The Raft port refuses whoever lacks the secret, and peer-supplied strings cannot forge log lines (real
/// processes). The admin token on the write routes: WriteRouteTests (in-process).
final class NodeSecurityTests: XCTestCase {
    func testWrongSecretPeerIsRefusedAndGarbageConnectionIsClosed() async throws {
        let cluster = try LocalCluster(size: 3, debugPropose: true)
        addTeardownBlock { cluster.shutdown() }
        try cluster.startAll()
        let leader = try cluster.waitForLeader(among: cluster.ids)
        let last = try cluster.propose(Array("genuine".utf8), leader: leader)
        let before = try cluster.waitForSameState(cluster.ids, atLeast: last)
        let victim = cluster.ids.first { $0 != leader }!

        // An impostor that knows the cluster's name and a member's name, but
        // not the secret, dials the victim's Raft port, answers the challenge
        // with a made-up proof and sends well-formed Raft messages claiming
        // to come from a leader of a much higher term.
        let victimID = ClusterConfig.raftID(for: victim)
        let forgedFrom = ClusterConfig.raftID(for: leader)
        let forged = [
            Message(type: .heartbeat, from: forgedFrom, to: victimID, term: 1000, commit: before.commitIndex),
            Message(
                type: .appendEntries, from: forgedFrom, to: victimID, term: 1000, logTerm: before.term,
                index: before.appliedIndex,
                entries: [Entry(term: 1000, index: before.appliedIndex + 1, data: Array("forged".utf8))],
                commit: before.appliedIndex + 1),
        ]
        for lane: UInt8 in [0, 1] {
            var hello: [UInt8] = [lane] + (0..<32).map { _ in UInt8.random(in: 0...255) }
            for text in ["test-cluster", leader, victim] { hello += [UInt8(text.utf8.count)] + Array(text.utf8) }
            var bytes = frame(kind: 1, hello)
            bytes += frame(kind: 3, [UInt8](repeating: 0xAB, count: 32))  // a proof made without the secret
            for message in forged { bytes += frame(kind: 16, Array(buffer: RaftMessageCodec.encode(message))) }
            let closed = try rawExchange(port: cluster.raftPorts[cluster.index(of: victim)], send: bytes)
            XCTAssertTrue(closed, "the node disconnected the impostor (lane \(lane))")
        }
        // Had any forged message reached the core, the victim would be in term 1000
        // (and its log would differ from the leader's).
        let after = try cluster.waitForSameState(cluster.ids, atLeast: before.appliedIndex)
        let victimReport = try XCTUnwrap(cluster.report(victim))
        XCTAssertLessThan(victimReport.term, 1000, "no forged message reached the Raft core")
        XCTAssertEqual(victimReport.appliedHash, after.appliedHash)
        if after.term == before.term {
            XCTAssertEqual(after.appliedHash, before.appliedHash, "nothing was applied meanwhile")
        }

        // A connection that sends garbage is closed; the node keeps serving.
        let garbage = try rawExchange(port: cluster.raftPorts[cluster.index(of: victim)], send: (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 37) })
        XCTAssertTrue(garbage, "the node closed the garbage connection")
        let next = try cluster.propose(Array("still-serving".utf8), leader: leader)
        let final = try cluster.waitForSameState(cluster.ids, atLeast: next)
        XCTAssertEqual(final.appliedIndex, next)
    }

    /// A peer-supplied string with a newline (a hello naming cluster "evil\n… critical …") is logged
    /// escaped, on one line: it cannot forge a log line of its own.
    func testPeerSuppliedStringsCannotForgeLogLines() throws {
        let cluster = try LocalCluster(size: 1)
        addTeardownBlock { cluster.shutdown() }
        try cluster.startAll()
        _ = try cluster.waitForLeader(among: cluster.ids)
        let forged = "2099-01-01T00:00:00+0000 critical raftcast.node: [node: n1] FORGED"
        var hello: [UInt8] = [0] + [UInt8](repeating: 7, count: 32)
        for text in ["evil\n" + forged + "\u{0}", "n9", "n1"] { hello += [UInt8(text.utf8.count)] + Array(text.utf8) }
        XCTAssertTrue(try rawExchange(port: cluster.raftPorts[0], send: frame(kind: 1, hello)), "the node refused the stranger")
        let logPath = cluster.directory.appendingPathComponent("n1-1.log").path
        let escaped = #"evil\n"# + forged + #"\u{0}"#
        let log = try cluster.waitFor("the refusal in the log") { () -> String? in
            let text = try? String(contentsOfFile: logPath, encoding: .utf8)
            return text?.contains(escaped) == true ? text : nil
        }
        let lines = log.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertFalse(lines.contains { $0.hasPrefix("2099-01-01") }, "no line starts with the forged text")
        let line = try XCTUnwrap(lines.first { $0.contains(escaped) })
        XCTAssertTrue(line.contains("refused connection"), String(line))
        XCTAssertFalse(log.unicodeScalars.contains("\u{0}"), "no NUL reached the log")
    }

    /// A transport frame: u32 LE length (version + kind + body), version 1, kind, body.
    func frame(kind: UInt8, _ body: [UInt8]) -> [UInt8] {
        let length = UInt32(body.count + 2)
        return (0..<4).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) } + [1, kind] + body
    }

    /// Connects, writes `bytes`, and reports whether the peer closed the
    /// connection within 5 s (read returns 0 or a reset).
    func rawExchange(port: Int, send bytes: [UInt8]) throws -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return false }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
        }
        return false
    }
}
