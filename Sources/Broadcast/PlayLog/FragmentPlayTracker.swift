/// Turns the chunks a node plays into ``PlayLogRecord``s: one per fragment, for the first of its
/// samples that reached the device.
///
/// Fragments are logged in order; a fragment whose samples were all skipped (a join past it, a
/// stall through it) gets no record, which the gap analysis shows as a hole.
public struct FragmentPlayTracker: Sendable {
    /// Where one fragment lies in the stream.
    public struct Fragment: Hashable, Sendable {
        /// The fragment's index in the stream.
        public var index: Int
        /// Its first stream sample.
        public var firstSample: Int64
        /// Its length in samples.
        public var sampleCount: Int64

        /// A fragment of `sampleCount` samples from `firstSample`.
        public init(index: Int, firstSample: Int64, sampleCount: Int64) {
            self.index = index
            self.firstSample = firstSample
            self.sampleCount = sampleCount
        }

        /// Its samples.
        public var samples: Range<Int64> { firstSample..<firstSample + sampleCount }
    }

    /// The node these records are for.
    public let node: String
    /// The stream's id.
    public let stream: StreamID
    /// The last fragment logged.
    public private(set) var lastLogged: Int?

    /// A tracker for `stream` on `node`.
    public init(node: String, stream: StreamID) {
        self.node = node
        self.stream = stream
    }

    /// Records for the fragments, among `fragments` (sorted by first sample), whose first played
    /// sample is in `chunk`.
    public mutating func records(
        for chunk: PlayoutChunk, fragments: [Fragment], clockErrorBound: Duration
    ) -> [PlayLogRecord] {
        var records: [PlayLogRecord] = []
        let chunkSamples = chunk.samples
        var low = 0
        var high = fragments.count
        while low < high {
            let middle = (low + high) / 2
            if fragments[middle].samples.upperBound <= chunkSamples.lowerBound { low = middle + 1 } else { high = middle }
        }
        for fragment in fragments[low...] {
            guard fragment.firstSample < chunkSamples.upperBound else { break }
            if let lastLogged, fragment.index <= lastLogged { continue }
            let overlap = max(fragment.firstSample, chunkSamples.lowerBound)..<min(fragment.samples.upperBound, chunkSamples.upperBound)
            // Dropped frames are never adjacent: the first or the second sample is heard.
            guard let sample = overlap.first(where: { chunk.heardTime(ofSample: $0) != nil }),
                let heardAt = chunk.heardTime(ofSample: sample)
            else { continue }
            lastLogged = fragment.index
            records.append(
                PlayLogRecord(
                    node: node, stream: stream, fragment: fragment.index, fragmentFirstSample: fragment.firstSample,
                    fragmentSamples: fragment.sampleCount, firstPlayedSample: sample, sampleRate: chunk.sampleRate,
                    heardAt: heardAt, clockErrorBound: clockErrorBound, playoutError: chunk.error))
        }
        return records
    }
}
