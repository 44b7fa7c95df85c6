import Broadcast
import Foundation
import Media
import Node
import Raft
import RaftStorage
import TestSupport
import XCTest

/// A log that an older build committed with a fragment no player can use (its times jump by 2⁶² ticks):
/// a node opening it applies past it, fails that stream, keeps the others, and computes the applied hash
/// of every entry as before — at every restart.
final class PoisonedLogTests: XCTestCase {
    /// The payloads of stream `id` (media/sample.mp3) with fragment 2's times moved by 2⁶² ticks.
    static func poisonedStream(id: StreamID) throws -> [[UInt8]] {
        var payloads = try NodeDriverTests.sampleStreamEntries(id: id)
        guard case let .fragment(_, index, record) = try CatalogueEntry(decoding: payloads[3]), index == 2 else {
            throw TestFailure(description: "entry 3 is not fragment 2")
        }
        var fragment = try Fragment(decoding: record)
        let shift: Int64 = 1 << 62
        fragment.startPTS += shift
        for p in fragment.packets.indices {
            fragment.packets[p].pts = fragment.packets[p].pts.map { $0 + shift }
            fragment.packets[p].dts = fragment.packets[p].dts.map { $0 + shift }
        }
        payloads[3] = CatalogueEntry.fragment(stream: id, index: 2, record: fragment.encoded()[...]).encoded()
        return payloads
    }

    func testANodeStartsOnAPoisonedLogAndAppliesPastIt() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("raftcast-poisoned-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let poisoned = try Self.poisonedStream(id: 5)
        let healthy = try NodeDriverTests.sampleStreamEntries(id: 6)
        let payloads = poisoned + healthy
        let entries = payloads.enumerated().map { Entry(term: 1, index: UInt64($0 + 1), data: $1) }
        var expected = AppliedState()
        for entry in entries { expected.apply(entry) }
        do {
            // What an older build wrote and committed.
            let storage = try DurableLogStorage(directory: directory, confState: ConfState(voters: [1]))
            try storage.append(entries)
            try storage.setHardState(HardState(term: 1, vote: 1, commit: UInt64(entries.count)))
            try storage.sync()
            storage.close()
        }

        var catalogues: [Catalogue] = []
        for boot in 1...2 {
            let storage = try DurableLogStorage(directory: directory, confState: ConfState(voters: [1]))
            defer { storage.close() }
            var config = Config(id: 1)
            config.electionTick = 5
            var driver = try NodeDriver(config: config, storage: storage)
            var events: [CatalogueEvent] = []
            for _ in 0..<10 where driver.hasReady {
                let outcome = try driver.handleReady(send: { _ in }, now: { ContinuousClock().now })
                events += outcome.catalogueChanges.map(\.event)
            }
            XCTAssertGreaterThanOrEqual(driver.state.appliedIndex, UInt64(entries.count), "boot \(boot) applied past it")
            if boot == 1 {
                XCTAssertEqual(driver.state.appliedIndex, UInt64(entries.count))
                XCTAssertEqual(driver.state.rollingHash, expected.rollingHash, "the applied hash is that of the log")
            }
            let failed = try XCTUnwrap(driver.catalogue.stream(5))
            let reason = try XCTUnwrap(failed.failureReason)
            XCTAssertTrue(reason.hasPrefix("fragment 2: start ") && reason.contains("beyond ±2592000 s"), reason)
            XCTAssertEqual(failed.fragments.count, 2)
            XCTAssertTrue(events.contains(.streamFailed(stream: 5, index: 2, reason: reason)), "boot \(boot)")
            let other = try XCTUnwrap(driver.catalogue.stream(6))
            XCTAssertTrue(other.hasEnded)
            XCTAssertEqual(other.fragments.count, healthy.count - 2)
            // It goes on as a leader: a new entry commits and applies.
            driver.campaign()
            for _ in 0..<10 where driver.hasReady { _ = try driver.handleReady(send: { _ in }, now: { ContinuousClock().now }) }
            XCTAssertEqual(driver.raft.role, .leader)
            let next = try driver.propose(Array("after".utf8))
            for _ in 0..<10 where driver.hasReady { _ = try driver.handleReady(send: { _ in }, now: { ContinuousClock().now }) }
            XCTAssertEqual(driver.state.appliedIndex, next)
            catalogues.append(driver.catalogue)
        }
        XCTAssertEqual(catalogues[0].streams, catalogues[1].streams, "the same verdict at every start")
    }
}
