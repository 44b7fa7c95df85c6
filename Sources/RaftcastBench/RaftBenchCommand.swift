import ArgumentParser
import CAllocationCounter
import Glibc
import Raft

/// `raftcast-bench raft`: how fast the Raft core moves entries through a
/// three-node in-memory cluster on one thread (no faults, MemoryStorage), and
/// how many heap allocations each proposal costs. The reference in the same
/// run is one memcpy of each payload: the cost of touching the bytes once.
struct RaftBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "raft",
        abstract: "Throughput and allocations of the Raft core (3 nodes, in memory, one thread).")

    @Option(help: "Payload sizes in bytes.")
    var sizes: [Int] = [64 << 10, 1 << 20]

    @Option(help: "Seconds to measure each size.")
    var seconds: Double = 2

    @Option(help: "Entries proposed between two pumps of the cluster (a batch).")
    var batch: Int = 8

    func validate() throws {
        if sizes.isEmpty || sizes.contains(where: { $0 < 1 || $0 > 64 << 20 }) {
            throw ValidationError("--sizes must be 1 byte ... 64 MiB")
        }
        if !(seconds > 0 && seconds <= 600) { throw ValidationError("--seconds must be in (0, 600]") }
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
    }

    func run() throws {
        print("raft: 3 voters, MemoryStorage, one thread, batches of \(batch) proposals; rates per second of this thread's CPU time (wall-clock rate in brackets)")
        print("raft: allocation counter check: 1000 array allocations counted as \(calibrateCounter())")
        for size in sizes {
            let r = try measure(size: size)
            let mb = Double(r.bytes) / r.cpuSeconds / 1e6
            let reference = memcpyRate(size: size)
            print(
                "raft payload \(label(size)): \(Int(Double(r.entries) / r.cpuSeconds)) entries/s (\(Int(Double(r.entries) / r.seconds))), \(fmt(mb)) MB/s (\(fmt(Double(r.bytes) / r.seconds / 1e6))) committed and applied on all 3 nodes; \(fmt(r.allocationsPerProposal)) allocations per proposal (whole cluster); memcpy of the payload \(fmt(reference)) MB/s, ratio \(fmt(mb / reference))"
            )
        }
    }

    private struct Result {
        var entries: UInt64
        var bytes: UInt64
        var seconds: Double
        var cpuSeconds: Double
        var allocationsPerProposal: Double
    }

    private func measure(size: Int) throws -> Result {
        var cluster = try RaftBenchCluster(voters: 3) { c in
            c.maxSizePerMessage = UInt64(max(size, 1 << 20))
            c.maxInflightBytes = UInt64(64 * max(size, 1 << 20))
            c.maxUncommittedEntriesSize = UInt64(64 * max(size, 1 << 20))
        }
        let payload = [UInt8](repeating: 0xA5, count: size)
        // Warm up: fill caches and grow arrays to their steady size.
        for _ in 0..<64 {
            for _ in 0..<batch { _ = try cluster.propose(payload) }
            try cluster.pump()
        }
        let clock = ContinuousClock()
        let appliedBefore = cluster.applied.min()!
        let bytesBefore = cluster.appliedBytes.min()!
        let allocationsBefore = raftcast_allocation_count()
        var proposals: UInt64 = 0
        let cpuBegan = threadCPUSeconds()
        let began = clock.now
        var elapsed = Duration.zero
        while elapsed < .milliseconds(Int(seconds * 1000)) {
            for _ in 0..<batch where try cluster.propose(payload) { proposals += 1 }
            try cluster.pump()
            elapsed = clock.now - began
        }
        let allocations = raftcast_allocation_count() - allocationsBefore
        let cpu = threadCPUSeconds() - cpuBegan
        let secs = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let entries = cluster.applied.min()! - appliedBefore
        guard entries >= proposals else { throw BenchError("only \(entries) of \(proposals) proposals were applied everywhere") }
        return Result(
            entries: entries, bytes: cluster.appliedBytes.min()! - bytesBefore, seconds: secs, cpuSeconds: cpu,
            allocationsPerProposal: Double(allocations) / Double(max(proposals, 1)))
    }

    /// CPU time consumed by this thread, in seconds.
    private func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Allocates 1000 arrays and returns how many allocations the counter saw
    /// (shows that the counter is live: expect about 1000).
    private func calibrateCounter() -> UInt64 {
        var keep = 0
        let before = raftcast_allocation_count()
        for i in 0..<1000 {
            let a = [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: 64 + i)
            keep &+= Int(a[i / 2])
        }
        let counted = raftcast_allocation_count() - before
        precondition(keep >= 0)
        return counted
    }

    /// MB/s of copying `size`-byte buffers with memcpy (Array's copy), as a yardstick.
    private func memcpyRate(size: Int) -> Double {
        let source = [UInt8](repeating: 0x5A, count: size)
        var target = [UInt8](repeating: 0, count: size)
        let clock = ContinuousClock()
        let began = clock.now
        let cpuBegan = threadCPUSeconds()
        var copied = 0
        while clock.now - began < .milliseconds(300) {
            for _ in 0..<16 {
                target.withUnsafeMutableBytes { t in
                    source.withUnsafeBytes { s in t.copyMemory(from: s) }
                }
                copied += size
            }
        }
        let secs = threadCPUSeconds() - cpuBegan
        precondition(target[size / 2] == 0x5A)
        return Double(copied) / secs / 1e6
    }

    private func label(_ size: Int) -> String {
        size % (1 << 20) == 0 ? "\(size >> 20) MiB" : size % 1024 == 0 ? "\(size >> 10) KiB" : "\(size) B"
    }

    private func fmt(_ x: Double) -> String {
        let scaled = (x * 10).rounded() / 10
        return scaled >= 100 ? "\(Int(scaled))" : "\(scaled)"
    }
}
