/// A summary of how a file is cut into fragments (what `raftcast probe` shows),
/// made by running the fragmenter over the whole file without keeping packets.
public struct FragmentPlan: Sendable {
    /// One fragment's summary.
    public struct Entry: Sendable, Hashable {
        /// Position in the stream, 0-based.
        public var index: Int
        /// Start time in seconds (pts of the first keyframe / audio packet).
        public var startSeconds: Double
        /// Duration in seconds.
        public var durationSeconds: Double
        /// Size of the fragment's binary record (the bytes replicated for it).
        public var bytes: Int
        /// Packets of all tracks.
        public var packetCount: Int
        /// Audio packets.
        public var audioPacketCount: Int
        /// Video packets.
        public var videoPacketCount: Int
        /// Whether it begins with a keyframe (see `Fragment.startsWithKeyframe`).
        public var startsWithKeyframe: Bool

        /// Summarises `fragment`.
        public init(_ fragment: Fragment) {
            index = fragment.index
            startSeconds = fragment.startSeconds
            durationSeconds = fragment.durationSeconds
            bytes = fragment.encodedByteCount
            packetCount = fragment.packets.count
            audioPacketCount = fragment.packets.lazy.filter { $0.track == .audio }.count
            videoPacketCount = packetCount - audioPacketCount
            startsWithKeyframe = fragment.startsWithKeyframe
        }
    }

    /// The stream the plan is for.
    public let header: StreamHeader
    /// Target fragment duration in seconds.
    public let targetSeconds: Double
    /// The fragments, in order.
    public let entries: [Entry]
    /// Warnings met while reading the file.
    public let warnings: [MediaWarning]

    /// Reads `source` through and summarises its fragments; `onWarning` hears each
    /// warning as it happens.
    public init(
        source: MediaSource, targetSeconds: Double = MediaSource.defaultFragmentSeconds,
        onWarning: ((MediaWarning) -> Void)? = nil
    ) throws(MediaError) {
        let fragmenter = try source.fragments(targetSeconds: targetSeconds)
        fragmenter.warningHandler = onWarning
        var entries: [Entry] = []
        while let fragment = try fragmenter.next() { entries.append(Entry(fragment)) }
        self.header = source.header
        self.targetSeconds = targetSeconds
        self.entries = entries
        self.warnings = fragmenter.warnings
    }
}
