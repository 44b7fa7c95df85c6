import Audio

/// A run of stream samples to play, with the single frames to insert or drop for drift.
///
/// The player takes samples `firstSample ..< firstSample + sampleCount` from the decoded PCM,
/// applies ``plan`` (``render(_:channels:)``) and writes the ``outputFrames`` frames that result.
public struct PlayoutChunk: Hashable, Sendable {
    /// The stream sample of the chunk's first frame.
    public var firstSample: Int64
    /// Stream samples consumed.
    public var sampleCount: Int
    /// Frames to insert or drop, at positions within the chunk.
    public var plan: DriftCorrector.Plan
    /// The cluster time at which the chunk's first frame is expected to be heard.
    public var heardAt: ClusterTime
    /// How late playback was when the chunk was scheduled (heard − due; negative: early).
    public var error: Duration
    /// Frames per second.
    public var sampleRate: Int

    /// A chunk of `sampleCount` samples from `firstSample`.
    public init(
        firstSample: Int64, sampleCount: Int, plan: DriftCorrector.Plan, heardAt: ClusterTime, error: Duration,
        sampleRate: Int
    ) {
        self.firstSample = firstSample
        self.sampleCount = sampleCount
        self.plan = plan
        self.heardAt = heardAt
        self.error = error
        self.sampleRate = sampleRate
    }

    /// The stream samples the chunk consumes.
    public var samples: Range<Int64> { firstSample..<firstSample + Int64(sampleCount) }

    /// Frames written to the device.
    public var outputFrames: Int { plan.resultingFrames(from: sampleCount) }

    /// The frame index in the output at which stream sample `sample` is written; nil when the
    /// sample is not in the chunk or is dropped.
    public func outputIndex(ofSample sample: Int64) -> Int? {
        guard samples.contains(sample) else { return nil }
        let index = Int(sample - firstSample)
        switch plan.adjustment {
        case nil:
            return index
        case .insert:
            return index + plan.positions.prefix { $0 <= index }.count
        case .drop:
            if plan.positions.contains(index) { return nil }
            return index - plan.positions.prefix { $0 < index }.count
        }
    }

    /// When stream sample `sample` is expected to be heard; nil when it is not in the chunk or is dropped.
    public func heardTime(ofSample sample: Int64) -> ClusterTime? {
        outputIndex(ofSample: sample).map {
            ClusterTime(
                nanoseconds: heardAt.nanoseconds
                    + StreamTimeline.nanoseconds(ofSamples: Int64($0), rate: Int64(sampleRate)))
        }
    }

    /// The output frames for this chunk from its interleaved PCM (`sampleCount × channels` samples).
    public func render(_ pcm: [Int16], channels: Int) -> [Int16] {
        DriftCorrector.apply(plan, to: pcm, channels: channels)
    }
}
