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

    func testRandomOperationsAndPowerLosses() throws {
        for seed in 1...12 as ClosedRange<UInt64> {
            try runSeed(seed)
        }
    }

    private func runSeed(_ seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let fs = SimulatedFileSystem()
        let options = DurableLogStorage.Options(segmentSize: 600, cacheBytes: UInt64(rng.next() % 2000))
        let directory = "/seed\(seed)"
        var log = try DurableLogStorage(directory: directory, fileSystem: fs, options: options)
        var memory = MemoryStorage()
        var term: UInt64 = 1
        // Model states since the last sync: recovery must land on one of them.
        var checkpoints = [try state(memory)]
        var recoveries = 0
        for step in 0..<250 {
            let context = "seed \(seed) step \(step)"
            switch rng.next() % 20 {
            case 0..<8:  // append a batch, sometimes over a conflicting suffix
                let last = try memory.lastIndex(), first = try memory.firstIndex()
                var start = last + 1
                if rng.next() % 4 == 0 && last >= first {
                    start = first + rng.next() % (last - first + 1)
                    term += 1
                }
                let count = 1 + rng.next() % 4
                let batch = (0..<count).map { i in
                    Entry(term: term, index: start + i, data: (0..<Int(rng.next() % 150)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
                }
                try log.append(batch)
                for e in batch {  // a crash can keep any prefix of the batch
                    try memory.append([e])
                    checkpoints.append(try state(memory))
                }
            case 8..<10:
                let hs = HardState(term: term, vote: rng.next() % 4, commit: try memory.lastIndex())
                try log.setHardState(hs)
                try memory.setHardState(hs)
                checkpoints.append(try state(memory))
            case 10..<15:
                try log.sync()
                checkpoints = [try state(memory)]
            case 15:
                let first = try memory.firstIndex(), last = try memory.lastIndex()
                guard last >= first else { continue }
                let upTo = first + rng.next() % (last - first + 1)
                try log.sync()
                _ = try? log.createSnapshot(at: upTo, confState: ConfState(voters: [1]), data: [UInt8(step % 256)])
                try log.compact(upTo: upTo + 1)
                try memory.compact(upTo: upTo + 1)
                checkpoints = [try state(memory)]
            default:  // power loss, keeping a random part of the unsynced tail
                var keep: [String: Int] = [:]
                for name in try fs.list(directory) { keep[directory + "/" + name] = Int(rng.next() % 300) }
                fs.powerLoss(keepUnsyncedBytes: keep)
                log = try DurableLogStorage(directory: directory, fileSystem: fs, options: options)
                let recovered = try state(log)
                XCTAssertTrue(checkpoints.contains(recovered),
                              "\(context): recovered first \(recovered.first) last \(recovered.first + UInt64(recovered.entries.count) - 1) \(recovered.hardState) is no state since the last sync (\(log.recoveryReport))")
                if !checkpoints.contains(recovered) { return }
                memory = try model(recovered, term: try log.term(at: recovered.first - 1))
                checkpoints = [recovered]
                term = max(term, recovered.entries.last?.term ?? 0)
                recoveries += 1
            }
        }
        XCTAssertGreaterThan(recoveries, 0, "seed \(seed) never crashed")
    }
}
