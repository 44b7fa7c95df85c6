import Media

/// The live programme as a player sees it around cluster time `now`: every programme item's committed
/// fragments that are heard in the window `(now − window, horizon)`, each with the cluster time at which
/// its first sample is heard. `GET /v1/live/index.m3u8` is this, written as an HLS playlist (docs/hls.md,
/// "The live programme").
///
/// ```
///   items:     [ A ······ cut ][ B ·········· ]
///   segments:   a3  a4  a5     b0  b1  b2  b3  b4
///   listed:          ├──────────────────┤
///               now − window      now      horizon = now + playout delay − margin
/// ```
/// - A fragment of an item plays from `at = item start + (fragment start − audio start)`: the engine's rule
///   (the item's first audio sample is heard at its start; every other time follows at the media's rate).
/// - Only fragments the programme can no longer change are listed: a queue decision takes effect at the
///   leader's clock plus the playout delay, and cuts at the first fragment boundary at or after it, so a
///   fragment that starts before `horizon` (this node's clock plus the playout delay, less a margin for the
///   clocks' disagreement) plays whole, whatever is decided later. A listed segment is never withdrawn.
/// - A cut item lists fragments up to its cut; an item with no known start lists nothing yet. Once an
///   item's last fragment is known (its stream is final or cut), the item says which it is.
/// It is a pure function of the committed catalogue and the times given: the same on every node.
public struct LiveProgramme: Sendable, Hashable {
    /// One listed fragment.
    public struct Segment: Sendable, Hashable {
        /// Its index in its stream.
        public var fragment: Int
        /// The cluster time at which its first sample is heard.
        public var at: ClusterTime
        /// Its first sample's time in its stream's own timeline (the reference track's, seconds).
        public var mediaStartSeconds: Double
        /// Its length in seconds.
        public var durationSeconds: Double
    }

    /// One programme item with its listed fragments (at least one).
    public struct Item: Sendable, Hashable {
        /// The item's stream.
        public var stream: CatalogueStream
        /// When the item's first audio sample is heard.
        public var start: ClusterTime
        /// Its listed fragments, in order.
        public var segments: [Segment]
        /// The index of the last fragment the item will play, once known (its stream is final, or the
        /// programme cut it): a player fetches ahead no further.
        public var lastFragment: Int?
    }

    /// The items with listed fragments, in play order.
    public var items: [Item]

    /// The fragments of `schedule` heard between `now − window` and `horizon` (see the type's comment).
    public init(schedule: [ScheduledItem], now: ClusterTime, horizon: ClusterTime, window: Duration) {
        let from = now - window
        items = schedule.compactMap { scheduled -> Item? in
            guard let start = scheduled.start else { return nil }
            let stream = scheduled.stream
            let audio = stream.header.audio
            guard let audioStart = CatalogueLimits.nanoseconds(audio.startPTS, audio.timeBase) else { return nil }
            let last = scheduled.item.cutAfterFragment.map { min($0, stream.fragments.count - 1) } ?? stream.fragments.count - 1
            guard last >= 0 else { return nil }
            var segments: [Segment] = []
            for fragment in stream.fragments[...last] {
                guard let begin = CatalogueLimits.nanoseconds(fragment.startPTS, fragment.timeBase),
                    let offset = Int64(exactly: begin - audioStart),
                    let length = CatalogueLimits.nanoseconds(fragment.durationPTS, fragment.timeBase).flatMap(Int64.init(exactly:))
                else { continue }
                let at = start + .nanoseconds(offset)
                guard at < horizon else { break }
                guard at + .nanoseconds(length) > from else { continue }
                segments.append(
                    Segment(
                        fragment: fragment.index, at: at, mediaStartSeconds: fragment.timeBase.seconds(fragment.startPTS),
                        durationSeconds: fragment.timeBase.seconds(fragment.durationPTS)))
            }
            let knownLast = stream.isFinal ? last : scheduled.item.cutAfterFragment
            return segments.isEmpty ? nil : Item(stream: stream, start: start, segments: segments, lastFragment: knownLast)
        }
    }
}
