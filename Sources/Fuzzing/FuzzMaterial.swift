import Media

/// What the real encoders make from the small media files, shared by the targets' seeds: each file's stream
/// header and its first fragments (cut at a quarter of a second).
public struct FuzzMaterial: Sendable {
    /// The files.
    public let media: FuzzMediaFiles
    /// Each file's stream header.
    public let headers: [StreamHeader]
    /// Each file's first fragments (at most four per file).
    public let fragments: [[Fragment]]

    /// Fragment duration the seeds are cut at, in seconds.
    public static let fragmentSeconds = 0.25

    /// Reads `media` through Media's demuxer and fragmenter.
    public init(media: FuzzMediaFiles) throws(MediaError) {
        self.media = media
        var headers: [StreamHeader] = []
        var fragments: [[Fragment]] = []
        for path in media.paths {
            let source = try MediaSource(path: path)
            let fragmenter = try source.fragments(targetSeconds: Self.fragmentSeconds)
            var cut: [Fragment] = []
            while cut.count < 4, let fragment = try fragmenter.next() { cut.append(fragment) }
            headers.append(source.header)
            fragments.append(cut)
        }
        self.headers = headers
        self.fragments = fragments
    }
}
