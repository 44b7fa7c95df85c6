/// One line of a node's play log: when the first played sample of one fragment reached the listener,
/// on the cluster timeline, and how sure the node was of its clock.
///
/// One JSON object per line (keys sorted), e.g.
/// ```
/// {"clock_error_bound_ns":180000,"first_played_sample":96000,"fragment":1,"fragment_first_sample":96000,
///  "fragment_samples":96000,"heard_at_ns":4000000000,"node":"n2","playout_error_ns":-210000,
///  "sample_rate":48000,"stream":"00000000000000a1"}
/// ```
/// `first_played_sample` differs from `fragment_first_sample` when playback joined or resumed (after a
/// stall) inside the fragment; ``nominalStart`` carries it back to the fragment's first sample.
public struct PlayLogRecord: Hashable, Sendable, Codable {
    /// The node that played.
    public var node: String
    /// The stream's id.
    public var stream: StreamID
    /// The fragment's index in the stream.
    public var fragment: Int
    /// The stream sample the fragment begins with.
    public var fragmentFirstSample: Int64
    /// The fragment's length in samples.
    public var fragmentSamples: Int64
    /// The first of the fragment's samples this node played.
    public var firstPlayedSample: Int64
    /// Samples per second.
    public var sampleRate: Int
    /// Cluster time (ns) at which ``firstPlayedSample`` reached the listener (written to the device,
    /// plus the device's reported delay).
    public var heardAtNanoseconds: Int64
    /// The node's clock error bound (ns) at that moment (``ClusterClock/errorBound(at:)``).
    public var clockErrorBoundNanoseconds: Int64
    /// The playout error (ns) of the chunk it was in (heard − due; positive: late).
    public var playoutErrorNanoseconds: Int64

    enum CodingKeys: String, CodingKey {
        case node, stream, fragment
        case fragmentFirstSample = "fragment_first_sample"
        case fragmentSamples = "fragment_samples"
        case firstPlayedSample = "first_played_sample"
        case sampleRate = "sample_rate"
        case heardAtNanoseconds = "heard_at_ns"
        case clockErrorBoundNanoseconds = "clock_error_bound_ns"
        case playoutErrorNanoseconds = "playout_error_ns"
    }

    /// A record with every field given.
    public init(
        node: String, stream: StreamID, fragment: Int, fragmentFirstSample: Int64, fragmentSamples: Int64,
        firstPlayedSample: Int64, sampleRate: Int, heardAt: ClusterTime, clockErrorBound: Duration,
        playoutError: Duration
    ) {
        self.node = node
        self.stream = stream
        self.fragment = fragment
        self.fragmentFirstSample = fragmentFirstSample
        self.fragmentSamples = fragmentSamples
        self.firstPlayedSample = firstPlayedSample
        self.sampleRate = sampleRate
        heardAtNanoseconds = heardAt.nanoseconds
        clockErrorBoundNanoseconds = clockErrorBound.wholeNanoseconds
        playoutErrorNanoseconds = playoutError.wholeNanoseconds
    }

    /// When ``firstPlayedSample`` was heard.
    public var heardAt: ClusterTime { ClusterTime(nanoseconds: heardAtNanoseconds) }

    /// When the fragment's first sample was, or would have been, heard: ``heardAt`` minus the
    /// samples between it and ``firstPlayedSample`` (nanoseconds, rounded).
    public var nominalStartNanoseconds: Double {
        Double(heardAtNanoseconds) - Double(firstPlayedSample - fragmentFirstSample) * 1e9 / Double(sampleRate)
    }

    /// When the sample after the fragment's last was, or would have been, heard (assuming the
    /// fragment played to its end without a hole).
    public var nominalEndNanoseconds: Double {
        nominalStartNanoseconds + Double(fragmentSamples) * 1e9 / Double(sampleRate)
    }
}
