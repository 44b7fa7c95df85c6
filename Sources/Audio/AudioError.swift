/// Why an audio sink could not be opened, configured or written.
///
/// `description` is one line that names the device (or file) and the reason, e.g.
/// `nosuchdevice: cannot open playback device: No such file or directory (Unknown PCM nosuchdevice)`.
/// The CLI prints it after `error: ` and exits with code 2 for ``isBadInput`` errors.
public enum AudioError: Error, Equatable, Sendable, CustomStringConvertible {
    /// snd_pcm_open failed. `code` is ALSA's negative errno, `detail` the line ALSA logged (may be empty).
    case openFailed(device: String, code: Int32, detail: String)
    /// A hardware or software parameter was refused (`setting` names it, e.g. "rate 48000").
    case configurationFailed(device: String, setting: String, code: Int32)
    /// The device accepted the parameters but not exactly (e.g. a `hw:` device that only does 44.1 kHz).
    case unsupportedFormat(device: String, reason: String)
    /// The format itself is impossible (0 channels, 5 Hz).
    case invalidFormat(device: String, format: AudioFormat)
    /// snd_pcm_writei (or another call on an open device) failed with an error that cannot be recovered.
    case writeFailed(device: String, code: Int32)
    /// snd_pcm_recover could not bring the device back after an underrun or suspend.
    case recoveryFailed(device: String, code: Int32)
    /// The device accepted no frames for too long.
    case stalled(device: String, attempts: Int)
    /// A write whose sample count is not a whole number of frames.
    case partialFrame(device: String, samples: Int, channels: Int)
    /// The sink was already closed.
    case closed(device: String)
    /// A file sink could not create or write its file.
    case fileFailed(path: String, reason: String)

    /// The device or file the error is about.
    public var subject: String {
        switch self {
        case .openFailed(let device, _, _), .configurationFailed(let device, _, _),
             .unsupportedFormat(let device, _), .invalidFormat(let device, _), .writeFailed(let device, _),
             .recoveryFailed(let device, _), .stalled(let device, _), .partialFrame(let device, _, _),
             .closed(let device):
            return device
        case .fileFailed(let path, _):
            return path
        }
    }

    /// True when the user named something unusable (unknown device, impossible format): exit code 2.
    /// False for failures while playing (exit code 1).
    public var isBadInput: Bool {
        switch self {
        case .openFailed, .configurationFailed, .unsupportedFormat, .invalidFormat, .fileFailed: return true
        case .writeFailed, .recoveryFailed, .stalled, .partialFrame, .closed: return false
        }
    }

    /// One line: `<device>: <reason>`.
    public var description: String {
        switch self {
        case .openFailed(let device, let code, let detail):
            let reason = ALSAErrorText.describe(code)
            return detail.isEmpty || detail == reason
                ? "\(device): cannot open playback device: \(reason)"
                : "\(device): cannot open playback device: \(reason) (\(detail))"
        case .configurationFailed(let device, let setting, let code):
            return "\(device): device refused \(setting): \(ALSAErrorText.describe(code))"
        case .unsupportedFormat(let device, let reason):
            return "\(device): \(reason)"
        case .invalidFormat(let device, let format):
            return "\(device): invalid audio format \(format)"
        case .writeFailed(let device, let code):
            return "\(device): write failed: \(ALSAErrorText.describe(code))"
        case .recoveryFailed(let device, let code):
            return "\(device): cannot recover from underrun: \(ALSAErrorText.describe(code))"
        case .stalled(let device, let attempts):
            return "\(device): device accepted no audio after \(attempts) attempts"
        case .partialFrame(let device, let samples, let channels):
            return "\(device): \(samples) samples is not a whole number of \(channels)-channel frames"
        case .closed(let device):
            return "\(device): already closed"
        case .fileFailed(let path, let reason):
            return "\(path): \(reason)"
        }
    }
}
