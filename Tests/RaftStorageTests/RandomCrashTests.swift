import Foundation
import Raft
import RaftStorage
import XCTest

/// Random operations with random power losses (seeded, so a failure replays),
/// checked against `MemoryStorage` as the model: after every recovery the log
/// equals the model as of some point between the last sync and the crash, so
/// every synced entry and hard state survives, and nothing half-written does.
final class RandomCrashTests: XCTestCase {
    /// What is compared: first index, entries, hard state.
    private struct State: Equatable {
        var first: UInt64
        var entries: [Entry]
        var hardState: HardState
    }

    private func state(_ s: any MutableLogStorage) throws -> State {
        let first = try s.firstIndex(), last = try s.lastIndex()
        return State(first: first, entries: try s.entries(from: first, to: last + 1, maxBytes: .max), hardState: try s.initialState().0)
    }

    /// A model holding exactly `state` (plus the compaction point's term).
    private func model(_ state: State, term: UInt64) throws -> MemoryStorage {
        let m = MemoryStorage()
        if state.first > 1 {
            try m.applySnapshot(Snapshot(metadata: SnapshotMetadata(index: state.first - 1, term: term)))
        }
        try m.append(state.entries)
        try m.setHardState(state.hardState)
        return m
    }

    /// Seeds per test: 12, or RAFTSTORAGE_SEEDS for a longer sweep.
    private var seeds: UInt64 { UInt64(ProcessInfo.processInfo.environment["RAFTSTORAGE_SEEDS"] ?? "") ?? 12 }

    func testRandomOperationsAndPowerLosses() throws {
        for seed in 1...seeds {
            try runSeed(seed, faults: false)
        }
    }

    /// The same with disk faults (ENOSPC, EIO, torn writes) on any operation: a failed
    /// call is followed by a restart, which must land on a state since the last sync.
    func testRandomOperationsWithDiskFaults() throws {
        for seed in (100_001)...(100_000 + seeds) {
            try runSeed(seed, faults: true)
        }
    }

    private func runSeed(_ seed: UInt64, faults: Bool) throws {
        var rng = SplitMix64(seed: seed)
        let fs = SimulatedFileSystem()
        // A page-cache window from none to more than a segment: only synced bytes may be dropped.
        let options = DurableLogStorage.Options(segmentSize: 600, cacheBytes: UInt64(rng.next() % 2000),
                                                pageCacheWindow: UInt64(rng.next() % 1500))
        let directory = "/seed\(seed)"
        var log = try DurableLogStorage(directory: directory, fileSystem: fs, options: options)
        var memory = MemoryStorage()
        var term: UInt64 = 1
        // Model states since the last sync: recovery must land on one of them.
        var checkpoints = [try state(memory)]
        var recoveries = 0, failures = 0

        /// Power loss (keeping a random part of the unsynced tails), restart, compare.
        func restart(_ context: String) throws -> Bool {
            var keep: [String: Int] = [:]
            for name in try fs.list(directory) { keep[directory + "/" + name] = Int(rng.next() % 300) }
            fs.powerLoss(keepUnsyncedBytes: keep)
            log = try DurableLogStorage(directory: directory, fileSystem: fs, options: options)
            let recovered = try state(log)
            guard checkpoints.contains(recovered) else {
                XCTFail("\(context): recovered first \(recovered.first) last \(recovered.first + UInt64(recovered.entries.count) - 1) \(recovered.hardState) is no state since the last sync (\(log.recoveryReport))")
                return false
            }
            memory = try model(recovered, term: try log.term(at: recovered.first - 1))
            checkpoints = [recovered]
            term = max(term, recovered.entries.last?.term ?? 0)
            recoveries += 1
            return true
        }

        let operations: [SimulatedFileSystem.Operation] = [.write, .sync, .create, .syncDirectory, .truncate, .rename, .remove]
        for step in 0..<250 {
            let context = "seed \(seed) step \(step)"
            if faults && rng.next() % 6 == 0 {
                fs.inject(.init(operations[Int(rng.next() % UInt64(operations.count))], after: Int(rng.next() % 3),
                                errno: rng.next() % 2 == 0 ? ENOSPC : EIO, tornBytes: Int(rng.next() % 100)))
            }
            do {
                switch rng.next() % 20 {
                case 0..<8:  // append a batch, sometimes over a conflicting suffix
                    // Entries up to the snapshot are committed: a conflict starts after it (as in Raft).
                    // (A snapshot file may be on disk even if createSnapshot reported a failure.)
                    let snapshotOnDisk = try fs.list(directory).compactMap { WALFormat.snapshotPosition($0)?.index }.max() ?? 0
                    let committed = max(try log.snapshot().metadata.index, snapshotOnDisk)
                    let last = try memory.lastIndex(), first = max(try memory.firstIndex(), committed + 1)
                    var start = last + 1
                    if rng.next() % 4 == 0 && last >= first {
                        start = first + rng.next() % (last - first + 1)
                        term += 1
                    }
                    let count = 1 + rng.next() % 4
                    let batch = (0..<count).map { i in
                        Entry(term: term, index: start + i, data: (0..<Int(rng.next() % 150)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
                    }
                    for e in batch {  // a crash can keep any prefix of the batch
                        try memory.append([e])
                        checkpoints.append(try state(memory))
                    }
                    try log.append(batch)
                case 8..<10:
                    let hs = HardState(term: term, vote: rng.next() % 4, commit: try memory.lastIndex())
                    try memory.setHardState(hs)
                    checkpoints.append(try state(memory))
                    try log.setHardState(hs)
                case 10..<15:
                    try log.sync()
                    checkpoints = [try state(memory)]
                case 15:
                    let first = try memory.firstIndex(), last = try memory.lastIndex()
                    guard last >= first else { continue }
                    let upTo = first + rng.next() % (last - first + 1)
                    try log.sync()
                    checkpoints = [try state(memory)]
                    _ = try? log.createSnapshot(at: upTo, confState: ConfState(voters: [1]), data: [UInt8(step % 256)])
                    try memory.compact(upTo: upTo + 1)
                    checkpoints.append(try state(memory))
                    try log.compact(upTo: upTo + 1)
                    checkpoints = [try state(memory)]
                default:
                    if !(try restart(context)) { return }
                }
            } catch {
                failures += 1
                if !log.hasFailed && rng.next() % 2 == 0 {
                    // An undone write: the storage goes on from where it was.
                    fs.clearFaults()
                    let current = try state(log)
                    XCTAssertTrue(checkpoints.contains(current), "\(context): after \(error) the log holds no state since the last sync")
                    memory = try model(current, term: try log.term(at: current.first - 1))
                    continue
                }
                // A latched storage (or a node that chose to): restart.
                if !(try restart("\(context) after \(error)")) { return }
            }
        }
        XCTAssertGreaterThan(recoveries, 0, "seed \(seed) never crashed")
        XCTAssertGreaterThan(fs.operationCounts.cacheDroppedBytes, 0, "seed \(seed) never dropped cached pages")
        XCTAssertEqual(fs.operationCounts.unsyncedCacheDrops, 0, "seed \(seed) dropped bytes that were not synced")
        if faults { XCTAssertGreaterThan(failures, 0, "seed \(seed) never failed") }
    }
}
