import Broadcast
import Synchronization

/// The media and discontinuity sequence numbers of this node's live playlist (`GET /v1/live/index.m3u8`).
///
/// RFC 8216 6.2.2: a live playlist may only drop segments from its start, and then its
/// `EXT-X-MEDIA-SEQUENCE` grows by the number dropped (its `EXT-X-DISCONTINUITY-SEQUENCE` by the
/// discontinuities dropped). The listed segments are a pure function of the log and the clock
/// (``LiveProgramme``), but how many came before the window is not kept in the log, so each node numbers
/// the segments as it first lists them: a segment keeps its number for the life of the process, and
/// numbers run on by one from segment to segment and from item to item. The numbers are this node's: a
/// player that moves to another node finds its place by segment URI (the web app) or by
/// `EXT-X-PROGRAM-DATE-TIME`, which are the same on every node.
final class LiveSequenceNumbers: Sendable {
    /// A segment: its stream and fragment index.
    struct Key: Hashable {
        var stream: StreamID
        var fragment: Int
    }

    private struct State {
        var segments: [Key: Int] = [:]
        var items: [StreamID: Int] = [:]
        var nextSegment = 0
        var nextItem = 0
    }

    private let state = Mutex(State())

    /// The media sequence number of the first of `items`' segments and the discontinuity sequence number of
    /// the first item, numbering what is new. Numbers that would not run on by one from segment to segment
    /// (a stream removed from the middle of the window) are given afresh after the highest so far.
    func number(_ items: [LiveProgramme.Item]) -> (media: Int, discontinuity: Int) {
        state.withLock { state in
            let segments = items.flatMap { item in item.segments.map { Key(stream: item.stream.id, fragment: $0.fragment) } }
            let media = Self.continuing(segments, numbers: state.segments, next: state.nextSegment)
            let discontinuity = Self.continuing(items.map(\.stream.id), numbers: state.items, next: state.nextItem)
            for (offset, key) in segments.enumerated() { state.segments[key] = media + offset }
            for (offset, item) in items.enumerated() { state.items[item.stream.id] = discontinuity + offset }
            state.nextSegment = max(state.nextSegment, media + segments.count)
            state.nextItem = max(state.nextItem, discontinuity + items.count)
            // Forget what slid out of the window.
            state.segments = state.segments.filter { $0.value >= media }
            state.items = state.items.filter { $0.value >= discontinuity }
            return (media, discontinuity)
        }
    }

    /// The number of `keys`' first: its own when the numbered keys form a prefix numbered one by one and the
    /// new ones continue at `next`; else `next` (all numbered afresh).
    static func continuing<K: Hashable>(_ keys: [K], numbers: [K: Int], next: Int) -> Int {
        guard let first = keys.first, let start = numbers[first] else { return next }
        let known = keys.prefix { numbers[$0] != nil }
        let runsOn = known.enumerated().allSatisfy { offset, key in numbers[key] == start + offset }
        let newOnesAfter = keys.dropFirst(known.count).allSatisfy { numbers[$0] == nil }
        let continuesAtNext = known.count == keys.count || start + known.count == next
        return runsOn && newOnesAfter && continuesAtNext ? start : next
    }
}
