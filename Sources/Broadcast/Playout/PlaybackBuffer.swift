/// Decoded PCM of one stream, waiting to be played: runs of consecutive stream samples, each run
/// where a decoder run put it on the stream's sample timeline. Holes between runs are samples that
/// were never decoded (a fragment not committed, a pre-roll); the player stalls through them.
///
/// ```
///  stream samples ──▶
///  [ run a ·········· )          [ run b ················ )
///        ▲ take(from:)            ▲ a new decoder run (after a gap)
///        └ everything before the playhead is dropped
/// ```
/// Memory is what lies between the playhead and the last decoded sample: taken samples are dropped
/// (a run's storage is compacted before it grows and whenever a quarter second, or half of it, is
/// consumed).
struct PlaybackBuffer {
    /// A run of decoded samples starting at stream sample ``start``.
    private struct Run {
        var start: Int64
        var samples: [Int16]
        /// Frames at the front of ``samples`` already consumed.
        var consumed: Int

        func first(channels: Int) -> Int64 { start + Int64(consumed) }
        func end(channels: Int) -> Int64 { start + Int64(samples.count / channels) }
    }

    /// Samples per frame.
    let channels: Int
    private var runs: [Run] = []

    /// An empty buffer of interleaved `channels`-channel PCM.
    init(channels: Int) {
        self.channels = channels
    }

    /// The stream sample after the last decoded one; nil when empty.
    var end: Int64? { runs.last?.end(channels: channels) }

    /// Frames held (decoded and not yet played or dropped).
    var frameCount: Int64 {
        runs.reduce(0) { $0 + $1.end(channels: channels) - $1.first(channels: channels) }
    }

    /// Samples held in storage, including consumed ones not yet compacted (for the memory bound).
    var storedSamples: Int { runs.reduce(0) { $0 + $1.samples.count } }

    /// Appends decoded `pcm` whose first frame is stream sample `position`. Frames before what is
    /// already held are ignored (a run never overlaps an earlier one).
    mutating func append(_ pcm: [Int16], at position: Int64) {
        let frames = pcm.count / channels
        guard frames > 0 else { return }
        var start = position
        var slice = pcm[...]
        if let end, start < end {
            let overlap = Int(min(end - start, Int64(frames)))
            slice = pcm[(overlap * channels)...]
            start = end
            guard !slice.isEmpty else { return }
        }
        if let last = runs.indices.last, runs[last].end(channels: channels) == start {
            compact(last)
            runs[last].samples.append(contentsOf: slice)
        } else {
            runs.append(Run(start: start, samples: Array(slice), consumed: 0))
        }
    }

    /// The samples that may be played from `next` on: the run holding `next`, or the next run after
    /// it (the player stalls until its first sample), or an empty range at `next`.
    func available(from next: Int64) -> Range<Int64> {
        for run in runs where run.end(channels: channels) > next {
            return run.first(channels: channels)..<run.end(channels: channels)
        }
        return next..<next
    }

    /// Removes and returns the interleaved samples of `range`, which lies within one run (as
    /// ``available(from:)`` reports); everything before it is dropped.
    mutating func take(_ range: Range<Int64>) -> [Int16] {
        drop(before: range.lowerBound)
        guard let run = runs.first, run.first(channels: channels) <= range.lowerBound,
            run.end(channels: channels) >= range.upperBound
        else { return [] }
        let from = Int(range.lowerBound - run.start) * channels
        let to = Int(range.upperBound - run.start) * channels
        let samples = Array(runs[0].samples[from..<to])
        drop(before: range.upperBound)
        return samples
    }

    /// Drops every sample before `position`.
    mutating func drop(before position: Int64) {
        while let run = runs.first, run.end(channels: channels) <= position { runs.removeFirst() }
        guard let run = runs.first, run.first(channels: channels) < position else { return }
        runs[0].consumed = Int(position - run.start)
        if runs[0].consumed * channels * 2 >= runs[0].samples.count || runs[0].consumed >= Self.compactionFrames {
            compact(0)
        }
    }

    /// Consumed frames kept in storage before it is compacted (a quarter of a second at 48 kHz):
    /// storage holds at most this much beyond what is still to be played.
    static let compactionFrames = 12_000

    /// Removes a run's consumed frames from its storage.
    private mutating func compact(_ index: Int) {
        guard runs[index].consumed > 0 else { return }
        runs[index].samples.removeFirst(runs[index].consumed * channels)
        runs[index].start += Int64(runs[index].consumed)
        runs[index].consumed = 0
    }

    /// Drops every sample from `position` on (a new decoder run replaces them).
    mutating func drop(from position: Int64) {
        while let run = runs.last, run.first(channels: channels) >= position { runs.removeLast() }
        guard let last = runs.indices.last, runs[last].end(channels: channels) > position else { return }
        runs[last].samples.removeLast(Int(runs[last].end(channels: channels) - position) * channels)
    }

    /// Drops everything.
    mutating func removeAll() {
        runs.removeAll()
    }
}
