/// What a receiver needs before the first fragment: the audio track and, when
/// present, the video track. Together with the fragments in order it is enough
/// to decode the stream.
public struct StreamHeader: Sendable, Hashable {
    /// The container format FFmpeg detected, e.g. "mp3" or "mov,mp4,m4a,3gp,3g2,mj2".
    public var containerName: String
    /// The audio track.
    public var audio: TrackInfo
    /// The video track, if the file has one (cover art does not count).
    public var video: TrackInfo?

    /// Creates a header.
    public init(containerName: String, audio: TrackInfo, video: TrackInfo? = nil) {
        self.containerName = containerName
        self.audio = audio
        self.video = video
    }

    /// The track whose timestamps fragments are cut and timed by.
    public var referenceTrack: TrackInfo { video ?? audio }
}
