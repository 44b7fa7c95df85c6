import CALSA

/// Plays PCM through an ALSA device opened by name.
///
/// Names are ALSA's: `default`, `hw:0`, `plughw:0,0`, `null`, `file:FILE=/tmp/x.raw,FORMAT=raw`,
/// or a PCM defined in a configuration file (`ALSA_CONFIG_PATH`, `~/.asoundrc`).
/// The device is opened non-blocking for playback, set to interleaved S16_LE with the format's
/// channels and exact rate, with about ``Configuration/periodTime`` periods and
/// ``Configuration/bufferTime`` of buffer; playback starts once one period is queued.
/// Writes wait (bounded) for room, survive underruns and suspends (counted in ``stats``).
///
/// ```swift
/// let sink = try ALSASink(device: "default", format: .standard)
/// try sink.write(samples)          // blocks until the device took every frame
/// print(sink.delayFrames)          // frames queued but not yet heard
/// try sink.drain(); try sink.close()
/// ```
/// ALSA's own log lines are captured, not printed: an unknown device throws one
/// ``AudioError/openFailed(device:code:detail:)`` whose description names device and reason.
/// Not thread-safe: use one sink from one thread at a time.
public final class ALSASink: AudioSink {
    /// The ALSA device name it was opened with.
    public let name: String
    /// The PCM layout it takes.
    public let format: AudioFormat
    /// Whether the device consumes audio in real time (see ``PacingDetection``).
    public let pacesInRealTime: Bool
    /// ALSA's name of the outermost PCM type, e.g. "HW", "PLUG", "FILE", "NULL".
    public let pcmTypeName: String
    /// Frames per period the device chose.
    public let periodFrames: Int
    /// Frames in the device's ring buffer.
    public let bufferFrames: Int
    /// What happened while writing.
    public private(set) var stats = PlaybackStats()

    private var handle: OpaquePointer?
    private let device: ALSAPCMDevice
    private let writer: PCMWriter

    /// Opens `device` for playback of `format`.
    /// - Throws: ``AudioError`` naming the device: unknown device, busy device, refused parameters,
    ///   or a rate the device does not do exactly.
    public init(device name: String, format: AudioFormat = .standard, configuration: Configuration = .init()) throws {
        guard format.isValid else { throw AudioError.invalidFormat(device: name, format: format) }
        ALSAErrorText.captureLibraryMessages()
        ALSAErrorText.clearLastMessage()
        var opened: OpaquePointer?
        let status = snd_pcm_open(&opened, name, SND_PCM_STREAM_PLAYBACK, SND_PCM_NONBLOCK)
        guard status >= 0, let handle = opened else {
            throw AudioError.openFailed(device: name, code: status, detail: ALSAErrorText.lastMessage())
        }
        do {
            let (period, buffer) = try Self.configure(handle, name: name, format: format, configuration: configuration)
            periodFrames = period
            bufferFrames = buffer
        } catch {
            snd_pcm_close(handle)
            throw error
        }
        self.handle = handle
        self.name = name
        self.format = format
        let type = snd_pcm_type(handle)
        pcmTypeName = snd_pcm_type_name(type).map { String(cString: $0) } ?? "UNKNOWN"
        switch configuration.pacing {
        case .device: pacesInRealTime = true
        case .clock: pacesInRealTime = false
        case .detect: pacesInRealTime = !Self.chainEndsInNull(handle, type: type)
        }
        device = ALSAPCMDevice(handle: handle)
        writer = PCMWriter(
            deviceName: name,
            channels: format.channels,
            waitTimeoutMilliseconds: configuration.waitTimeout.alsaMilliseconds,
            maxAttemptsWithoutProgress: max(configuration.maxAttemptsWithoutProgress, 1)
        )
    }

    deinit {
        if let handle { snd_pcm_close(handle) }
    }

    /// Frames queued but not yet heard (snd_pcm_delay), or 0 when the device does not pace,
    /// is not running, or cannot tell.
    public var delayFrames: Int {
        guard pacesInRealTime, let handle else { return 0 }
        var delay: snd_pcm_sframes_t = 0
        guard snd_pcm_delay(handle, &delay) >= 0 else { return 0 }
        return max(Int(delay), 0)
    }

    /// Writes whole frames; returns when the device has accepted all of them.
    public func write(_ samples: UnsafeBufferPointer<Int16>) throws {
        guard handle != nil else { throw AudioError.closed(device: name) }
        try checkWholeFrames(samples.count)
        try writer.write(samples, to: device, stats: &stats)
    }

    /// Blocks until everything written has been played, then makes the device ready for more.
    public func drain() throws {
        guard let handle else { throw AudioError.closed(device: name) }
        snd_pcm_nonblock(handle, 0)
        defer { snd_pcm_nonblock(handle, 1) }
        let drained = snd_pcm_drain(handle)
        if drained < 0, drained != -raftcast_errno_EPIPE() {
            throw AudioError.writeFailed(device: name, code: drained)
        }
        let prepared = snd_pcm_prepare(handle)
        if prepared < 0 { throw AudioError.writeFailed(device: name, code: prepared) }
    }

    /// Closes the device (frames still queued are dropped: call ``drain()`` first to hear them).
    public func close() throws {
        guard let handle else { return }
        self.handle = nil
        let closed = snd_pcm_close(handle)
        if closed < 0 { throw AudioError.writeFailed(device: name, code: closed) }
    }
}

extension ALSASink {
    /// Sets hardware and software parameters; returns (period frames, buffer frames).
    private static func configure(
        _ pcm: OpaquePointer, name: String, format: AudioFormat, configuration: Configuration
    ) throws -> (Int, Int) {
        var hwPointer: OpaquePointer?
        guard snd_pcm_hw_params_malloc(&hwPointer) >= 0, let hw = hwPointer else {
            throw AudioError.configurationFailed(device: name, setting: "hardware parameters", code: -12)
        }
        defer { snd_pcm_hw_params_free(hw) }
        func check(_ status: Int32, _ setting: @autoclosure () -> String) throws {
            if status < 0 { throw AudioError.configurationFailed(device: name, setting: setting(), code: status) }
        }
        try check(snd_pcm_hw_params_any(pcm, hw), "hardware parameters")
        try check(snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED), "interleaved access")
        try check(snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE), "sample format S16_LE")
        try check(snd_pcm_hw_params_set_channels(pcm, hw, UInt32(format.channels)), "\(format.channels) channels")
        var rate = UInt32(format.sampleRate)
        var direction: Int32 = 0
        try check(snd_pcm_hw_params_set_rate_near(pcm, hw, &rate, &direction), "rate \(format.sampleRate) Hz")
        guard Int(rate) == format.sampleRate else {
            throw AudioError.unsupportedFormat(
                device: name, reason: "device does not play \(format.sampleRate) Hz (nearest \(rate) Hz); try plughw:")
        }
        var bufferMicroseconds = configuration.bufferTime.alsaMicroseconds
        direction = 0
        try check(snd_pcm_hw_params_set_buffer_time_near(pcm, hw, &bufferMicroseconds, &direction),
                  "buffer time \(bufferMicroseconds) us")
        var periodMicroseconds = configuration.periodTime.alsaMicroseconds
        direction = 0
        try check(snd_pcm_hw_params_set_period_time_near(pcm, hw, &periodMicroseconds, &direction),
                  "period time \(periodMicroseconds) us")
        try check(snd_pcm_hw_params(pcm, hw), "hardware parameters")
        var periodSize: snd_pcm_uframes_t = 0
        var bufferSize: snd_pcm_uframes_t = 0
        try check(snd_pcm_hw_params_get_period_size(hw, &periodSize, &direction), "period size")
        try check(snd_pcm_hw_params_get_buffer_size(hw, &bufferSize), "buffer size")

        var swPointer: OpaquePointer?
        guard snd_pcm_sw_params_malloc(&swPointer) >= 0, let sw = swPointer else {
            throw AudioError.configurationFailed(device: name, setting: "software parameters", code: -12)
        }
        defer { snd_pcm_sw_params_free(sw) }
        try check(snd_pcm_sw_params_current(pcm, sw), "software parameters")
        try check(snd_pcm_sw_params_set_start_threshold(pcm, sw, periodSize), "start threshold \(periodSize) frames")
        try check(snd_pcm_sw_params_set_avail_min(pcm, sw, periodSize), "avail min \(periodSize) frames")
        try check(snd_pcm_sw_params(pcm, sw), "software parameters")
        return (Int(periodSize), Int(bufferSize))
    }

    /// Whether the PCM chain ends in ALSA's `null` PCM, which discards audio instantly.
    /// The outermost type says so for `null`; for wrappers (`file`, `plug`, ...) the chain is read
    /// from snd_pcm_dump, whose leaf lines name the slave ("Slave: Null PCM", "Plug PCM: Null PCM").
    private static func chainEndsInNull(_ pcm: OpaquePointer, type: snd_pcm_type_t) -> Bool {
        if type == SND_PCM_TYPE_NULL { return true }
        if type == SND_PCM_TYPE_HW { return false }
        var outputPointer: OpaquePointer?
        guard snd_output_buffer_open(&outputPointer) >= 0, let output = outputPointer else { return false }
        defer { snd_output_close(output) }
        guard snd_pcm_dump(pcm, output) >= 0 else { return false }
        var text: UnsafeMutablePointer<CChar>?
        let length = snd_output_buffer_string(output, &text)
        guard length > 0, let text else { return false }
        let dump = String(decoding: UnsafeRawBufferPointer(start: text, count: length), as: UTF8.self)
        let realDevices = ["Hardware PCM", "IO-PLUG", "I/O-plugin", "ioplug", "PulseAudio", "JACK"]
        return dump.contains("Null PCM") && !realDevices.contains(where: dump.contains)
    }
}
