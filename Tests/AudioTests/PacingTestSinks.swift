import Audio

/// An instant sink that records, for every write, the clock time and the first frame written.
final class TimedRecordingSink: AudioSink {
    let format: AudioFormat
    let name = "recording"
    let clock: ManualClock
    private(set) var writes: [(time: Duration, firstFrame: Int, frames: Int)] = []
    private(set) var samples: [Int16] = []
    private(set) var drainedAt: Duration?

    init(format: AudioFormat = .standard, clock: ManualClock) {
        self.format = format
        self.clock = clock
    }

    var pacesInRealTime: Bool { false }
    var delayFrames: Int { 0 }

    func write(_ samples: UnsafeBufferPointer<Int16>) throws {
        writes.append((clock.now, self.samples.count / format.channels, samples.count / format.channels))
        self.samples.append(contentsOf: samples)
    }

    func drain() throws { drainedAt = clock.now }
    func close() throws {}
}

/// A simulated sound card on a ``ManualClock``: it plays `sampleRate` frames per second of clock time
/// from the moment it has frames, reports what is queued as its delay, blocks (advances the clock)
/// when its buffer is full, and counts underruns (queue ran dry while audio was still coming).
final class SimulatedCardSink: AudioSink {
    let format: AudioFormat
    let name = "simulated-card"
    let clock: ManualClock
    let bufferFrames: Int
    private(set) var queued = 0
    private(set) var totalWritten = 0
    private(set) var maxQueued = 0
    private(set) var blockedWrites = 0
    private(set) var underruns = 0
    private(set) var firstSoundAt: Duration?
    private var lastUpdate: Duration?
    /// Fractional progress carried between updates, in frame-nanoseconds.
    private var carry: Int64 = 0

    init(format: AudioFormat = .standard, clock: ManualClock, bufferFrames: Int) {
        self.format = format
        self.clock = clock
        self.bufferFrames = bufferFrames
    }

    var pacesInRealTime: Bool { true }

    var delayFrames: Int {
        update()
        return queued
    }

    /// Plays what the elapsed clock time allows.
    private func update() {
        let now = clock.now
        defer { lastUpdate = now }
        guard let last = lastUpdate, queued > 0 else { carry = 0; return }
        let (seconds, attoseconds) = (now - last).components
        let elapsedNanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        let progress = elapsedNanoseconds * Int64(format.sampleRate) + carry
        let played = Int(progress / 1_000_000_000)
        carry = progress % 1_000_000_000
        if played > queued {
            underruns += 1
            queued = 0
            carry = 0
        } else {
            queued -= played
        }
    }

    func write(_ samples: UnsafeBufferPointer<Int16>) throws {
        update()
        if queued == 0 && firstSoundAt == nil { firstSoundAt = clock.now }
        queued += samples.count / format.channels
        totalWritten += samples.count / format.channels
        if queued > bufferFrames {
            blockedWrites += 1
            clock.sleep(until: clock.now + format.duration(ofFrames: queued - bufferFrames))
            update()
        }
        maxQueued = max(maxQueued, queued)
    }

    func drain() throws {
        update()
        clock.sleep(until: clock.now + format.duration(ofFrames: queued))
        update()
    }

    func close() throws {}
}
