/// Opens the sink a player writes to: the named ALSA device, or, on a machine without a sound card,
/// a WAV file instead of failing.
///
/// ```swift
/// let output = try AudioOutput.open(device: "default", format: .standard, fallbackWAV: "/tmp/raftcast-play.wav")
/// if let notice = output.notice { print(notice) }   // "no sound card: ... writing to /tmp/raftcast-play.wav"
/// let player = PacedPlayer(sink: output.sink, clock: SystemMonotonicClock())
/// ```
/// The fallback applies only to names that need a card (`default`, `sysdefault`, `hw:…`, `plughw:…`,
/// `front:…`, `dmix`, …) when ALSA finds no card at all. A name ALSA does not know (`nosuchdevice`)
/// or a card that exists but fails still throws the ``AudioError``, so the user learns of a typo.
public enum AudioOutput {
    /// A sink ready to be written, and a one-line notice when it is not the device that was asked for.
    public struct Opened {
        /// Where the audio goes.
        public let sink: any AudioSink
        /// Set when the fallback WAV file is used instead of the device, e.g.
        /// `no sound card: cannot open "default", writing audio to /tmp/x.wav instead`.
        public let notice: String?
    }

    /// ALSA device name prefixes (before any `:`) that only exist when there is a sound card.
    static let cardDeviceNames: Set<String> = [
        "default", "sysdefault", "hw", "plughw", "front", "rear", "center_lfe", "side", "dmix", "dsnoop",
        "iec958", "spdif", "hdmi", "modem", "phoneline",
    ]

    /// Opens `device` for `format`; when that fails because the machine has no sound card and
    /// `fallbackWAV` is given, opens a ``WAVFileSink`` at that path and says so in ``Opened/notice``.
    /// - Throws: the device's ``AudioError`` otherwise, or the WAV file's if it cannot be created.
    public static func open(
        device: String, format: AudioFormat = .standard, fallbackWAV: String?,
        configuration: ALSASink.Configuration = .init()
    ) throws -> Opened {
        do {
            return Opened(sink: try ALSASink(device: device, format: format, configuration: configuration), notice: nil)
        } catch let error as AudioError {
            guard let fallbackWAV,
                  shouldFallBack(device: device, error: error, hasSoundCard: ALSALibrary.hasSoundCard)
            else { throw error }
            let sink = try WAVFileSink(path: fallbackWAV, format: format)
            return Opened(
                sink: sink,
                notice: "no sound card: cannot open \"\(device)\", writing audio to \(fallbackWAV) instead")
        }
    }

    /// Whether a failure to open `device` means "this machine has no sound card" (fall back to a file)
    /// rather than a wrong name or a broken card (report the error).
    static func shouldFallBack(device: String, error: AudioError, hasSoundCard: Bool) -> Bool {
        guard !hasSoundCard, case .openFailed = error else { return false }
        let base = device.split(separator: ":", maxSplits: 1).first.map(String.init) ?? device
        return cardDeviceNames.contains(base) || base.hasPrefix("surround")
    }
}
