import Media

/// What a ``PlaybackFeed`` drives: a playback engine's inputs. ``PlaybackEngine`` is the node's; a test can
/// record the calls instead.
public protocol PlaybackInput: AnyObject {
    /// The rate every stream's timeline is given in (the device's).
    var outputSampleRate: Int { get }
    /// A stream was started (``PlaybackEngine/streamStarted(header:timeline:streamID:)``).
    func streamStarted(header: StreamHeader, timeline: StreamTimeline, streamID: StreamID) throws(PlaybackError)
    /// Fragment `index` of a stream was committed (``PlaybackEngine/fragmentCommitted(streamID:index:fragment:)``).
    func fragmentCommitted(streamID: StreamID, index: Int, fragment: Fragment)
    /// The stream has `fragmentCount` fragments in all (``PlaybackEngine/streamEnded(streamID:fragmentCount:)``).
    func streamEnded(streamID: StreamID, fragmentCount: Int)
    /// The stream was removed (``PlaybackEngine/streamRemoved(streamID:)``).
    func streamRemoved(streamID: StreamID)
    /// The programme stops the stream at `time` (``PlaybackEngine/streamPlayUntil(streamID:time:)``).
    func streamPlayUntil(streamID: StreamID, time: ClusterTime?)
    /// Whether the stream has begun playing (``PlaybackEngine/hasStartedPlaying(streamID:)``).
    func hasStartedPlaying(streamID: StreamID) -> Bool
    /// Cluster time now, nil before clock sync (``PlaybackEngine/clusterNow``).
    var clusterNow: ClusterTime? { get }
}

/// The engine is the node's playback input.
extension PlaybackEngine: PlaybackInput {
    /// The sink's rate.
    public var outputSampleRate: Int { sink.format.sampleRate }
}
