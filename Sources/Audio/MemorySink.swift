/// A sink that keeps everything written in memory: for tests and for measuring a player.
///
/// It accepts audio instantly (``pacesInRealTime`` is false) and reports no delay.
public final class MemorySink: AudioSink {
    /// The PCM layout this sink takes.
    public let format: AudioFormat
    /// "memory".
    public let name: String
    /// Every sample written, in order.
    public private(set) var samples: [Int16] = []
    /// How many write calls were made.
    public private(set) var writeCount = 0
    /// Whether ``drain()`` was called.
    public private(set) var drained = false
    /// Whether ``close()`` was called.
    public private(set) var isClosed = false

    /// An empty memory sink for `format`.
    public init(format: AudioFormat = .standard, name: String = "memory") {
        self.format = format
        self.name = name
    }

    /// Always false: memory accepts audio instantly.
    public var pacesInRealTime: Bool { false }
    /// Always 0.
    public var delayFrames: Int { 0 }
    /// Frames written so far.
    public var framesWritten: Int { samples.count / format.channels }

    /// Appends whole frames.
    public func write(_ samples: UnsafeBufferPointer<Int16>) throws {
        guard !isClosed else { throw AudioError.closed(device: name) }
        try checkWholeFrames(samples.count)
        self.samples.append(contentsOf: samples)
        writeCount += 1
    }

    /// Records that the sink was drained.
    public func drain() throws {
        guard !isClosed else { throw AudioError.closed(device: name) }
        drained = true
    }

    /// Marks the sink closed.
    public func close() throws {
        isClosed = true
    }
}
