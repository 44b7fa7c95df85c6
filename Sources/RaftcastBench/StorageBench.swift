import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Raft
import RaftStorage

/// `raftcast-bench storage`: append throughput and sync latency of the
/// durable log (one sync per batch), and the time to open (recover) a large log.
/// scripts/bench-storage.sh runs it beside `dd oflag=dsync` on the same folder.
struct StorageBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage",
        abstract: "Durable log: synced append throughput, sync latency, recovery time."
    )

    @Option(help: "Folder to write in (a sub-folder is created and removed).")
    var dir: String

    @Option(help: "Entry sizes in bytes, comma separated.")
    var entrySizes: String = "65536,1048576"

    @Option(help: "Entries per batch (one sync per batch), comma separated.")
    var batches: String = "1,4,16"

    @Option(help: "MiB written per (entry size, batch) run.")
    var mibPerRun: Int = 256

    @Option(help: "MiB of log to write for the recovery measurement (0 skips it).")
    var recoveryMib: Int = 1024

    @Option(help: "Entry size in bytes of the recovery log.")
    var recoveryEntryBytes: Int = 1 << 20

    func run() throws {
        let root = dir + "/raftcast-storage-bench"
        try? FileManager.default.removeItem(atPath: root)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let sizes = entrySizes.split(separator: ",").compactMap { Int($0) }
        let batchCounts = batches.split(separator: ",").compactMap { Int($0) }
        guard !sizes.isEmpty, !batchCounts.isEmpty else { throw ValidationError("--entry-sizes and --batches need numbers") }

        print("crc32c: \(String(format: "%.0f", crcThroughput())) MB/s (slicing-by-8, 64 MiB buffer)")
        print("append: entry_bytes batch entries MB/s sync_p50_ms sync_p99_ms batch_p50_ms batch_p99_ms")
        var run = 0
        for size in sizes {
            for batch in batchCounts {
                run += 1
                let path = root + "/append\(run)"
                let log = try open(path)
                let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) }
                let total = max(batch, mibPerRun * (1 << 20) / size / batch * batch)
                var syncTimes: [Double] = [], batchTimes: [Double] = []
                var index: UInt64 = 1
                let clock = ContinuousClock()
                let start = clock.now
                while index <= UInt64(total) {
                    let entries = (0..<batch).map { Entry(term: 1, index: index + UInt64($0), data: payload) }
                    let t0 = clock.now
                    try log.append(entries)
                    let t1 = clock.now
                    try log.sync()
                    let t2 = clock.now
                    syncTimes.append(ms(t2 - t1))
                    batchTimes.append(ms(t2 - t0))
                    index += UInt64(batch)
                }
                let seconds = ms(clock.now - start) / 1000
                let mbps = Double(total * size) / 1e6 / seconds
                print("append: \(size) \(batch) \(total) \(f1(mbps)) \(f2(percentile(syncTimes, 0.5))) \(f2(percentile(syncTimes, 0.99))) \(f2(percentile(batchTimes, 0.5))) \(f2(percentile(batchTimes, 0.99)))")
                try? FileManager.default.removeItem(atPath: path)
            }
        }

        if recoveryMib > 0 {
            let path = root + "/recovery"
            let entrySize = recoveryEntryBytes
            let count = UInt64(recoveryMib) * (1 << 20) / UInt64(entrySize)
            let batch = UInt64(max(1, (16 << 20) / entrySize))
            do {
                let log = try open(path)
                let payload = (0..<entrySize).map { UInt8(truncatingIfNeeded: $0 &* 13) }
                var index: UInt64 = 1
                while index <= count {
                    try log.append((0..<batch).map { Entry(term: 1, index: index + $0, data: payload) }.filter { $0.index <= count })
                    try log.sync()
                    index += batch
                }
            }
            // Cold: the files evicted from the page cache (posix_fadvise DONTNEED), as after a reboot.
            for (verifyAll, cold) in [(false, true), (true, true), (false, false), (true, false)] {
                if cold { try evictFromPageCache(path) }
                let clock = ContinuousClock()
                let start = clock.now
                let log = try DurableLogStorage(directory: path, options: .init(verifyAllPayloadsAtOpen: verifyAll))
                let seconds = ms(clock.now - start) / 1000
                guard try log.lastIndex() == count else { throw ValidationError("recovered \(try log.lastIndex()) entries, wrote \(count)") }
                let report = log.recoveryReport
                print("recovery: MiB \(recoveryMib) entry_bytes \(entrySize) entries \(report.entries) segments \(report.segments) page_cache \(cold ? "cold" : "warm") verify_all \(verifyAll) payloads_verified \(report.payloadsVerified) seconds \(String(format: "%.3f", seconds))")
            }
            try evictFromPageCache(path)
            // A read of an old entry from disk, CRC checked.
            let log = try DurableLogStorage(directory: path, options: .init(cacheBytes: 0))
            let clock = ContinuousClock()
            let start = clock.now
            let read = try log.entries(from: 1, to: min(count, 64) + 1, maxBytes: .max)
            print("read: \(read.count) entries of \(entrySize) bytes from disk (page cache cold, CRC checked) in \(f1(ms(clock.now - start))) ms")
        }
    }

    private func open(_ path: String) throws -> DurableLogStorage {
        do { return try DurableLogStorage(directory: path) } catch { throw ValidationError("\(error)") }
    }

    /// Drops the pages of every file in `path` from the page cache.
    private func evictFromPageCache(_ path: String) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: path) {
            let fd = Glibc.open(path + "/" + name, O_RDONLY)
            guard fd >= 0 else { continue }
            fdatasync(fd)
            posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED))
            Glibc.close(fd)
        }
    }

    private func crcThroughput() -> Double {
        let bytes = [UInt8](repeating: 0xA5, count: 64 << 20)
        let clock = ContinuousClock()
        let start = clock.now
        let crc = CRC32C.checksum(bytes)
        let seconds = ms(clock.now - start) / 1000
        precondition(crc != 0)
        return Double(bytes.count) / 1e6 / seconds
    }

    private func ms(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

    private func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }

    private func f1(_ v: Double) -> String { String(format: "%.1f", v) }
    private func f2(_ v: Double) -> String { String(format: "%.2f", v) }
}
