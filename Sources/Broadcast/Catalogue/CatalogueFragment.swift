import Media

/// What the catalogue keeps about one committed fragment: its metadata and where its bytes are (the log
/// entry that carried it). The bytes themselves are not held in memory; `Catalogue.record(of:in:)` reads
/// them back from a `CatalogueFragmentStore`.
public struct CatalogueFragment: Sendable, Hashable {
    /// Position in the stream, 0-based.
    public var index: Int
    /// The time base of the stream's reference track (video when there is video, else audio).
    public var timeBase: TimeBase
    /// Start time in `timeBase`.
    public var startPTS: Int64
    /// Duration in `timeBase`.
    public var durationPTS: Int64
    /// Length of Media's fragment record, in bytes.
    public var byteCount: Int
    /// Whether the fragment starts with a keyframe (always true for audio-only streams).
    public var startsWithKeyframe: Bool
    /// Number of packets in the fragment.
    public var packetCount: Int
    /// Raft log index of the entry that carried the fragment.
    public var logIndex: UInt64
    /// FNV-1a 64 of the fragment record (`CatalogueHash.fnv1a64`).
    public var hash: UInt64
    /// Where the fragment's audio ends, in programme samples from the stream's first sample
    /// (``Programme/audioEndSample(of:header:)``); nil when it has no audio.
    public var audioEndSample: Int64?

    /// Creates fragment metadata.
    public init(
        index: Int, timeBase: TimeBase, startPTS: Int64, durationPTS: Int64, byteCount: Int,
        startsWithKeyframe: Bool, packetCount: Int, logIndex: UInt64, hash: UInt64, audioEndSample: Int64? = nil
    ) {
        self.audioEndSample = audioEndSample
        self.index = index
        self.timeBase = timeBase
        self.startPTS = startPTS
        self.durationPTS = durationPTS
        self.byteCount = byteCount
        self.startsWithKeyframe = startsWithKeyframe
        self.packetCount = packetCount
        self.logIndex = logIndex
        self.hash = hash
    }

    /// Start time in seconds.
    public var startSeconds: Double { timeBase.seconds(startPTS) }
    /// Duration in seconds.
    public var durationSeconds: Double { timeBase.seconds(durationPTS) }
}
