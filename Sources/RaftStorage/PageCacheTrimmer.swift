/// Which synced bytes of the log to drop from the operating system's page cache: everything more than
/// `window` bytes behind the log's synced end, across segments (see
/// ``DurableLogStorage/Options/pageCacheWindow``). Pure bookkeeping; the storage turns the ranges it
/// returns into `StorageFile.dropCachedPages(from:to:)` calls.
///
///     segments (oldest first)         synced end of the log
///     [ seg 7 ............ ][ seg 8 .............|
///       dropped    |<----------- window -------->|
///
/// A range starts at a multiple of ``granule`` at or before where the last one ended, so a page the last
/// drop ended in (kept then, as it was partly outside) goes the next time. A segment is forgotten once
/// dropped to its end, or when compaction removes it (``forget(before:)``).
struct PageCacheTrimmer {
    /// One segment the trimmer has not dropped to the end yet.
    struct Segment: Equatable {
        var sequence: UInt64
        /// Synced bytes of the segment.
        var end: UInt64
        /// Bytes before this were dropped.
        var droppedThrough: UInt64
    }

    /// A range of one segment to drop.
    struct Range: Equatable {
        var sequence: UInt64
        var from: UInt64
        var to: UInt64
    }

    /// Ranges start at a multiple of this (a page size on every Linux architecture divides it).
    static let granule: UInt64 = 64 << 10

    /// Bytes behind the synced end that stay cached.
    let window: UInt64
    /// Oldest first; the last is the segment synced most recently.
    private(set) var segments: [Segment] = []

    init(window: UInt64) { self.window = window }

    /// Segment `sequence` is synced through `end` (segments are synced in sequence order, each one's end
    /// only grows): the ranges that fell behind the window.
    mutating func synced(sequence: UInt64, through end: UInt64) -> [Range] {
        if let last = segments.indices.last, segments[last].sequence == sequence {
            segments[last].end = max(segments[last].end, end)
        } else {
            segments.append(Segment(sequence: sequence, end: end, droppedThrough: 0))
        }
        var ranges: [Range] = []
        var kept: UInt64 = 0
        for i in segments.indices.reversed() {
            let keepHere = min(window - kept, segments[i].end)
            kept += keepHere
            let dropEnd = segments[i].end - keepHere
            if dropEnd > segments[i].droppedThrough {
                ranges.append(Range(sequence: segments[i].sequence,
                                    from: segments[i].droppedThrough / Self.granule * Self.granule, to: dropEnd))
                segments[i].droppedThrough = dropEnd
            }
        }
        segments.removeAll { $0.sequence != sequence && $0.droppedThrough >= $0.end }
        return ranges.reversed()
    }

    /// Segments before `sequence` were removed: nothing more to drop of them.
    mutating func forget(before sequence: UInt64) {
        segments.removeAll { $0.sequence < sequence }
    }
}
