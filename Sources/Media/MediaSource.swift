/// A media file opened for broadcasting: MP3, MP4 or M4A, checked on open
/// (readable, recognised container, an audio track FFmpeg has a decoder for;
/// creating an `AudioDecoder` from `header` opens that decoder).
///
///     let source = try MediaSource(path: "talk.mp3")
///     let fragmenter = try source.fragments(targetSeconds: 2)
///     while let fragment = try fragmenter.next() { send(fragment.encoded()) }
public final class MediaSource {
    /// Shortest fragment duration accepted, in seconds.
    public static let minimumFragmentSeconds = 0.1
    /// Longest fragment duration accepted, in seconds.
    public static let maximumFragmentSeconds = 60.0
    /// Default fragment duration, in seconds.
    public static let defaultFragmentSeconds = 2.0

    /// The path as given.
    public let path: String
    /// The tracks, as a receiver needs them.
    public let header: StreamHeader
    /// The container's total duration in seconds, nil when unknown.
    public var durationSeconds: Double? {
        header.audio.durationSeconds
    }

    private var unusedDemuxer: Demuxer?

    /// Opens and checks `path`.
    /// - Throws: `MediaError` naming the reason the file cannot be used.
    public init(path: String) throws(MediaError) {
        let demuxer = try Demuxer(path: path)
        self.path = path
        self.header = demuxer.header
        self.unusedDemuxer = demuxer
    }

    /// A fragmenter over the whole file, cutting at `targetSeconds`
    /// (`minimumFragmentSeconds...maximumFragmentSeconds`). Each call starts
    /// again from the beginning of the file.
    /// - Throws: `MediaError.Kind.invalidSetting` for a duration out of range.
    public func fragments(targetSeconds: Double = MediaSource.defaultFragmentSeconds) throws(MediaError)
        -> Fragmenter
    {
        try Self.validate(fragmentSeconds: targetSeconds, file: path)
        let demuxer: Demuxer
        if let unused = unusedDemuxer {
            demuxer = unused
            unusedDemuxer = nil
        } else {
            demuxer = try Demuxer(path: path)
        }
        return Fragmenter(demuxer: demuxer, targetSeconds: targetSeconds)
    }

    /// Throws unless `fragmentSeconds` is a finite value in the accepted range.
    public static func validate(fragmentSeconds: Double, file: String) throws(MediaError) {
        guard fragmentSeconds.isFinite, fragmentSeconds >= minimumFragmentSeconds,
            fragmentSeconds <= maximumFragmentSeconds
        else {
            throw MediaError(
                .invalidSetting, file: file,
                reason: "fragment duration \(fragmentSeconds) s out of range "
                    + "(\(minimumFragmentSeconds)...\(maximumFragmentSeconds) s)")
        }
    }
}

/// Owns FFmpeg state that must not be shared across threads: use one `MediaSource` from
/// one task at a time.
@available(*, unavailable)
extension MediaSource: Sendable {}
