import Media

/// The programme: the replicated queue of items every node plays one after the other, part of the
/// ``Catalogue`` and changed only by committed entries (stream starts and ``QueueCommand``s), so every node
/// holds the same programme and derives the same times from it (docs/catalogue.md, "The programme").
///
/// ```
///   items:   [ A (playing) ][ B ][ C ] …        start(i) = anchor ?? max(end(i−1), B's own start time)
///   time:    ├── A ────────┤├── B ──┤├── C ──    end(i)   = start(i) + length(i) at 48 kHz
///                          ▲ B's first sample is heard when A's last sample ends, on every node
/// ```
/// - An item's length is its stream's declared audio length: the end of its last fragment's audio, less
///   the encoder padding the container marks (``audioEndSample(of:header:)``), in samples at
///   ``sampleRate``; a cut item ends at the end of the fragment it was cut after. It is known once the
///   stream has ended (or failed, or its cut fragment is committed): until then the items after it have no
///   start.
/// - Decisions take effect at a cluster time the leader chose ahead of every node's playout (its cluster
///   now plus the playout delay); a skip cuts the playing item at its first fragment boundary at or after
///   that time.
/// - Items over for more than ``history`` before a decision are forgotten; the first item kept then gets
///   its start as an ``ProgrammeItem/anchor`` so its timeline never moves.
public struct Programme: Sendable, Hashable {
    /// The rate of programme lengths and positions: every node's output rate (Audio's standard format).
    public static let sampleRate = 48_000
    /// How long a finished item stays in the programme (and in `GET /v1/queue`'s history).
    public static let history: Duration = .seconds(600)

    /// The items, in play order: finished ones still in the history, the playing one, the upcoming ones.
    public internal(set) var items: [ProgrammeItem] = []

    /// An empty programme.
    public init() {}

    /// The item of `stream`, if it is in the programme.
    public func item(_ stream: StreamID) -> ProgrammeItem? { items.first { $0.stream == stream } }

    /// The fragment after which `stream` is cut, if it is.
    public func cutAfterFragment(of stream: StreamID) -> Int? { item(stream)?.cutAfterFragment }

    /// The end of `fragment`'s audio in programme samples from its stream's first sample: the end of its last
    /// audio packet, less the padding that packet's skip-samples side data discards, rounded up. It is where
    /// the decoder's output of the whole stream up to this fragment ends (the rule the playback engine
    /// places fragments by), computed without decoding. Nil when the fragment has no audio, or its times
    /// lie beyond ±2⁵⁰ samples (the catalogue's limits fail such a stream anyway).
    public static func audioEndSample(of fragment: Fragment, header: StreamHeader) -> Int64? {
        let track = header.audio
        guard let last = fragment.packets.last(where: { $0.track == .audio }), let time = last.time else { return nil }
        let numerator = Int128(track.timeBase.numerator)
        let denominator = Int128(track.timeBase.denominator)
        let sourceRate = Int128(track.sampleRate)
        guard numerator > 0, denominator > 0, sourceRate > 0 else { return nil }
        let rate = Int128(sampleRate)
        // end = (time + duration − startPTS) · num · rate / den − discard · rate / sourceRate, rounded up.
        let ticks = Int128(time) + Int128(last.duration) - Int128(track.startPTS)
        let (q1, r1) = floorDivMod(ticks * numerator * rate, denominator)
        let (q2, r2) = floorDivMod(Int128(last.skipSamples?.end ?? 0) * rate, sourceRate)
        let end = q1 - q2 + (r1 * sourceRate > r2 * denominator ? 1 : 0)
        guard end.magnitude <= UInt128(PlaybackStream.sampleLimit) else { return nil }
        return Int64(end)
    }
}
