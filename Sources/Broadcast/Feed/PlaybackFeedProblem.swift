/// What a ``PlaybackFeed`` could not hand to the engine; the feed skips it and goes on.
public enum PlaybackFeedProblem: Sendable, Hashable, CustomStringConvertible {
    /// The engine refused the stream (it cannot play it here: its codec, its rate); `reason` says why.
    case unplayableStream(stream: StreamID, reason: String)
    /// On replay, the log no longer returns fragment `index`'s record (compacted, unreadable).
    case unreadableFragment(stream: StreamID, index: Int, reason: String)
    /// On replay, the record read back is not a fragment record.
    case undecodableFragment(stream: StreamID, index: Int, reason: String)
    /// A committed-fragment change came without its fragment (the entry at `logIndex`).
    case fragmentMissing(stream: StreamID, index: Int, logIndex: UInt64)

    /// The stream concerned.
    public var stream: StreamID {
        switch self {
        case .unplayableStream(let stream, _), .unreadableFragment(let stream, _, _), .undecodableFragment(let stream, _, _),
            .fragmentMissing(let stream, _, _):
            stream
        }
    }

    /// One line describing the problem.
    public var description: String {
        switch self {
        case let .unplayableStream(stream, reason): "cannot play stream \(stream): \(reason)"
        case let .unreadableFragment(stream, index, reason): "cannot read fragment \(index) of stream \(stream): \(reason)"
        case let .undecodableFragment(stream, index, reason): "fragment \(index) of stream \(stream) does not decode: \(reason)"
        case let .fragmentMissing(stream, index, logIndex):
            "fragment \(index) of stream \(stream) committed at log index \(logIndex) came without its fragment"
        }
    }
}
