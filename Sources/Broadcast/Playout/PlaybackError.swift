import Audio
import Media

/// Why the playback engine could not take a stream or play; `description` is one line naming the
/// stream, device or file.
public enum PlaybackError: Error, Sendable, CustomStringConvertible {
    /// The stream's audio cannot be decoded here (no decoder for its codec).
    case cannotDecode(stream: StreamID, MediaError)
    /// The stream's timeline runs at a rate the device does not play.
    case sampleRateMismatch(stream: StreamID, timeline: Int, device: String, deviceRate: Int)
    /// The audio device failed.
    case device(AudioError)
    /// The play log could not be written.
    case playLog(PlayLogError)

    /// One line: what failed and why.
    public var description: String {
        switch self {
        case .cannotDecode(let stream, let error): "stream \(stream): cannot decode its audio: \(error.reason)"
        case .sampleRateMismatch(let stream, let timeline, let device, let deviceRate):
            "stream \(stream): its timeline runs at \(timeline) Hz but \(device) plays \(deviceRate) Hz"
        case .device(let error): error.description
        case .playLog(let error): error.description
        }
    }
}
