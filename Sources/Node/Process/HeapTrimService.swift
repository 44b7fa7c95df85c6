#if canImport(Glibc)
import CMalloc
#endif
import ServiceLifecycle

/// Keeps a long-running node's heap from creeping up: glibc's allocator, told to give memory back.
///
/// A node decodes into buffers of hundreds of KiB and frees them, fragment after fragment, for as long as the
/// broadcast lasts, and under load it receives, logs and sends entries of up to a few MiB by the hundred per
/// second. Left to itself glibc raises its mmap threshold to the largest block freed, so those buffers move
/// into the heaps of its per-thread arenas; free space in the middle of an arena is then never returned, and a
/// follower's resident memory rose by 0.4–0.8 MiB over a 10-minute broadcast while the bytes in use stayed flat
/// (BENCHMARKS.md, "Cost of playing"). Mapping every large block instead (a fixed 128 KiB threshold) costs a
/// fresh mapping, a page fault per 4 KiB and an unmap for each of them: 15–20 % of a follower's CPU when it
/// replicates 1 MiB entries, and on a VM whose balloon reports free pages to the host, faults into pages the
/// host has taken back. So at start this fixes the mmap threshold at 32 MiB and the trim threshold at 64 MiB
/// (blocks up to 32 MiB come from the arenas and their freed space is reused at once), and every `interval`
/// it calls `malloc_trim(0)`, which returns the whole free pages inside the arenas (a walk of the free
/// lists: well under a millisecond at a node's heap size): the creep is bounded by what one interval frees.
/// Elsewhere than glibc it does nothing.
public struct HeapTrimService: Service, Sendable {
    /// How often free pages are handed back.
    public let interval: Duration
    /// What hands them back: `malloc_trim(0)` (a test passes its own).
    private let trim: @Sendable () -> Void

    public init(interval: Duration = .seconds(30), trim: @escaping @Sendable () -> Void = Self.trimHeap) {
        self.interval = interval
        self.trim = trim
    }

    /// Fixes the allocator's thresholds; called once before the node's threads start allocating.
    public static func configureAllocator() {
        #if canImport(Glibc)
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 64 << 20)
        #endif
    }

    /// Returns the whole free pages inside glibc's heaps to the kernel.
    public static func trimHeap() {
        #if canImport(Glibc)
        _ = malloc_trim(0)
        #endif
    }

    public func run() async throws {
        let interval = self.interval
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            // Throws (a cancellation) once the node shuts down.
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) } } catch { return }
            trim()
        }
    }
}
