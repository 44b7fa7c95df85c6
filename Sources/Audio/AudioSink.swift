/// Somewhere PCM can be played or stored: an ALSA device, a WAV file, memory.
///
/// Samples are interleaved signed 16-bit in ``format``; a write must hold whole frames
/// (`samples.count` a multiple of `format.channels`). Sinks are used from one thread at a time
/// (they are not `Sendable`); ``PacedPlayer`` drives one sink in real time.
///
/// Typical use, without pacing (e.g. writing a file as fast as possible):
/// ```swift
/// let sink = try ALSASink(device: "plughw:0", format: .standard)
/// try sink.write(pcm)        // [Int16], interleaved
/// try sink.drain()           // wait until the device has played everything
/// try sink.close()
/// ```
public protocol AudioSink: AnyObject {
    /// The PCM layout this sink takes.
    var format: AudioFormat { get }
    /// A short name for messages: the ALSA device name or the file path.
    var name: String { get }
    /// True when the sink consumes audio at the speed it is played (a sound card). False when it
    /// accepts audio instantly (ALSA `null`/`file`, a WAV file, memory): a player must then pace
    /// itself against a clock.
    var pacesInRealTime: Bool { get }
    /// Frames written but not yet heard, as the device reports it (snd_pcm_delay); 0 for sinks
    /// that do not pace in real time.
    var delayFrames: Int { get }
    /// Writes whole frames of interleaved samples; returns once all are accepted.
    func write(_ samples: UnsafeBufferPointer<Int16>) throws
    /// Blocks until everything written has been played (or stored).
    func drain() throws
    /// Releases the device or finishes the file. Further writes throw ``AudioError/closed(device:)``.
    func close() throws
}

extension AudioSink {
    /// Writes whole frames of interleaved samples from an array.
    public func write(_ samples: [Int16]) throws {
        try samples.withUnsafeBufferPointer { try write($0) }
    }

    /// Throws ``AudioError/partialFrame(device:samples:channels:)`` unless `sampleCount` is whole frames.
    func checkWholeFrames(_ sampleCount: Int) throws {
        guard sampleCount % format.channels == 0 else {
            throw AudioError.partialFrame(device: name, samples: sampleCount, channels: format.channels)
        }
    }
}
