import Foundation
import Node
import Raft
import RaftStorage
import RaftcastClient
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Storage faults against real `raftcast node` processes: damage found after
/// start stops the node loudly, a repaired log rejoins only with consent and
/// then catches up, and a full disk stops the node, which restarts cleanly
/// once there is space.
final class StorageFaultProcessTests: XCTestCase {
    private func makeCluster(size: Int) throws -> LocalCluster {
        let cluster = try LocalCluster(size: size, debugPropose: true)
        addTeardownBlock { cluster.shutdown(keepFiles: false) }
        return cluster
    }

    /// Waits (bounded) for node `id`'s process to exit on its own; returns its exit status.
    private func waitForExit(_ cluster: LocalCluster, _ id: String, timeout: Duration) throws -> Int32 {
        let process = try XCTUnwrap(cluster.processes[id])
        _ = try cluster.waitFor("node \(id) to exit", timeout: timeout) { process.isRunning ? nil : true }
        process.waitUntilExit()
        return process.terminationStatus
    }

    private func log(_ cluster: LocalCluster, _ id: String, start: Int) -> String {
        (try? String(contentsOf: cluster.directory.appendingPathComponent("\(id)-\(start).log"), encoding: .utf8)) ?? ""
    }

    private func walDirectory(_ cluster: LocalCluster, _ id: String) -> String {
        cluster.directory.appendingPathComponent("data/\(id)/wal").path
    }

    func testAFlippedByteInASealedSegmentStopsTheNodeWithACriticalLine() throws {
        let cluster = try makeCluster(size: 1)
        // The node's log, written beforehand in small segments: 40 committed entries of 400 bytes.
        let wal = walDirectory(cluster, "n1")
        let me = ClusterConfig.raftID(for: "n1")
        let storage = try DurableLogStorage(directory: wal, options: .init(segmentSize: 4096), confState: ConfState(voters: [me]))
        try storage.append((1...40).map { Entry(term: 1, index: $0, data: [UInt8](repeating: UInt8($0), count: 400)) })
        try storage.setHardState(HardState(term: 1, vote: me, commit: 40))
        try storage.sync()
        storage.close()
        let inspection = try WALInspection.inspect(directory: wal)
        XCTAssertGreaterThan(inspection.segments.count, 3)
        let record = try XCTUnwrap(inspection.segments[1].records.first { $0.type == .entry })
        let segment = wal + "/" + inspection.segments[1].name
        var bytes = try XCTUnwrap(FileManager.default.contents(atPath: segment))
        bytes[Int(record.offset) + 32 + 7] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: segment))

        // It starts (sealed segments are verified on read), applies up to the damaged entry, and stops there.
        let started = ContinuousClock.now
        try cluster.start("n1")
        XCTAssertEqual(try waitForExit(cluster, "n1", timeout: .seconds(20)), 1)
        let elapsed = started.duration(to: .now)
        let text = log(cluster, "n1", start: 1)
        let critical = text.split(separator: "\n").filter { $0.contains("critical") }
        XCTAssertEqual(critical.count, 1, text)
        XCTAssertTrue(critical.first?.contains("\(segment): offset \(record.offset): payload CRC mismatch for entry \(record.index)") == true, text)
        XCTAssertTrue(text.contains("error: node n1: "), text)
        XCTAssertLessThan(elapsed, .seconds(10), "stops at once, does not spin")
    }

    func testARepairedFollowerRejoinsOnlyWithConsentAndCatchesUp() throws {
        let cluster = try makeCluster(size: 3)
        try cluster.startAll()
        let leader = try cluster.waitForLeader(among: cluster.ids)
        var last: UInt64 = 0
        for i in 0..<12 { last = try cluster.propose(Array("acknowledged-\(i)".utf8), leader: leader) }
        try cluster.waitForSameState(cluster.ids, atLeast: last)
        let follower = cluster.ids.first { $0 != leader }!
        XCTAssertEqual(cluster.terminate(follower, timeout: .seconds(5)), 0)

        // Cut the follower's log four entries before its end, as an operator would after damage.
        let wal = walDirectory(cluster, follower)
        let inspection = try WALInspection.inspect(directory: wal)
        let entries = inspection.segments.flatMap { segment in
            segment.records.filter { $0.type == .entry }.map { (segment.name, $0) }
        }
        let (file, cut) = try XCTUnwrap(entries.last { $0.1.index == last - 3 })
        let repair = try runRaftcast(["wal", "repair", wal, "--truncate-at", "\(file):\(cut.offset)", "--yes"])
        XCTAssertEqual(repair.status, 0, repair.stderr)
        XCTAssertTrue(repair.stdout.contains("log loss recorded"), repair.stdout)
        for i in 0..<5 { last = try cluster.propose(Array("while-down-\(i)".utf8), leader: leader) }

        // Without consent: refused, one line naming the flag, exit 2.
        try cluster.start(follower)
        XCTAssertEqual(try waitForExit(cluster, follower, timeout: .seconds(15)), 2)
        let refusal = log(cluster, follower, start: 2)
        let errorLines = refusal.split(separator: "\n").filter { $0.hasPrefix("error:") }
        XCTAssertEqual(errorLines.count, 1, refusal)
        XCTAssertTrue(errorLines.first?.hasPrefix("error: \(wal): the log lost entries") == true, refusal)
        XCTAssertTrue(refusal.contains("--accept-log-loss"), refusal)

        // With consent: it rejoins, the leader sends what it lost, and every node applies the same log.
        try cluster.start(follower, arguments: ["--accept-log-loss"])
        let state = try cluster.waitForSameState(cluster.ids, atLeast: last, timeout: .seconds(30))
        XCTAssertGreaterThanOrEqual(state.appliedIndex, last)
        let leaderReport = try XCTUnwrap(cluster.report(leader))
        XCTAssertEqual(state.appliedHash, leaderReport.appliedHash)
        _ = try cluster.waitFor("the log-loss marker to go") {
            FileManager.default.fileExists(atPath: wal + "/" + LogLossMarker.fileName) ? nil : true
        }
        XCTAssertTrue(log(cluster, follower, start: 3).contains("caught up past the entries the log had lost"))
        // It votes again: with the leader gone, the two others elect one of themselves.
        cluster.kill9(leader)
        let next = try cluster.waitForLeader(among: cluster.ids.filter { $0 != leader })
        last = try cluster.propose(Array("after-failover".utf8), leader: next)
        try cluster.waitForSameState(cluster.ids.filter { $0 != leader }, atLeast: last)
    }

    func testAFullDiskStopsTheNodeWhichRestartsCleanlyOnceThereIsSpace() throws {
        let cluster = try makeCluster(size: 1)
        let data = cluster.directory.appendingPathComponent("data/n1").path
        var whyNot = ""
        guard let disk = try SmallFilesystem.mount(at: data, size: "3m", whyNot: &whyNot) else { throw XCTSkip(whyNot) }
        addTeardownBlock { disk.unmount() }
        // Leave about 600 KiB free.
        let filler = try disk.fill(leaving: 600 << 10)

        try cluster.start("n1")
        let leader = try cluster.waitForLeader(among: ["n1"])
        var acknowledged: UInt64 = 0
        for i in 0..<40 {
            guard let response = try? cluster.proposeRaw([UInt8](repeating: UInt8(i), count: 48 << 10), via: leader) else { break }
            if response.status == 200,
               let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
               let index = object["index"] as? Int {
                acknowledged = UInt64(index)
            }
            if cluster.processes["n1"]?.isRunning != true { break }
        }
        let status = try waitForExit(cluster, "n1", timeout: .seconds(10))
        let text = log(cluster, "n1", start: 1)
        XCTAssertEqual(status, 1, "the node ends with exit status 1, not a signal; its log:\n\(text)")
        let critical = text.split(separator: "\n").filter { $0.contains("critical") }
        XCTAssertEqual(critical.count, 1, text)
        XCTAssertTrue(critical.first?.contains("No space left on device") == true, text)
        XCTAssertGreaterThan(acknowledged, 0, "some proposals were written before the disk filled")

        // Space again: it restarts from the log, with every acknowledged entry, and goes on.
        try FileManager.default.removeItem(atPath: filler)
        try cluster.start("n1")
        _ = try cluster.waitForLeader(among: ["n1"])
        let state = try cluster.waitForSameState(["n1"], atLeast: acknowledged)
        XCTAssertGreaterThanOrEqual(state.appliedIndex, acknowledged)
        let after = try cluster.propose(Array("room again".utf8), leader: "n1")
        try cluster.waitForSameState(["n1"], atLeast: after)
    }
}
