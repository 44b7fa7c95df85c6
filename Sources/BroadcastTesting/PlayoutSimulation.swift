import Audio
import Broadcast

/// A sound card whose crystal runs `ppm` fast against true time: it plays 48 000 × (1 + ppm·10⁻⁶)
/// frames per true second from the moment it has frames, reports what is queued as its delay, and
/// stops when it runs dry (an underrun) until the next write. Every frame written carries a tag —
/// the stream sample, ``silence`` or ``inserted`` — and its true heard time is kept, so a test can
/// check when each sample was heard.
public final class SimulatedSoundCard {
    /// The tag of a frame of silence.
    public static let silence: Int64 = -1
    /// The tag of a frame inserted for drift.
    public static let inserted: Int64 = -2

    /// Frames per true second.
    public let rate: Double
    /// Every frame written: a stream sample, ``silence`` or ``inserted``.
    public private(set) var tags: [Int64] = []
    /// Runs of continuous playback: first frame index and the true time it was heard.
    public private(set) var runs: [(frame: Int, time: Duration)] = []
    /// Frames played so far (fractional).
    public private(set) var consumed = 0.0
    /// Times the card ran dry.
    public private(set) var underruns = 0
    /// The hardware pointer moves in steps of this many frames (1: exact); the reported delay is
    /// what was written minus the pointer, so it is too large by up to this much.
    public var pointerGranularity = 1
    private var running = false
    private var lastUpdate: Duration = .zero

    /// A card playing `sampleRate` frames per second of its own clock, which runs `ppm` fast.
    public init(sampleRate: Int = 48_000, ppm: Double) {
        rate = Double(sampleRate) * (1 + ppm * 1e-6)
    }

    /// Plays what the true time `now` allows.
    public func advance(to now: Duration) {
        defer { lastUpdate = now }
        guard running else { return }
        consumed += (now - lastUpdate).nanosecondsDouble / 1e9 * rate
        if consumed >= Double(tags.count) {
            consumed = Double(tags.count)
            running = false
            underruns += 1
        }
    }

    /// Frames queued and not yet heard.
    public var delay: Int {
        let granularity = max(pointerGranularity, 1)
        return tags.count - Int(consumed.rounded(.down)) / granularity * granularity
    }

    /// Appends frames at true time `now`; a stopped card starts playing them at once.
    public func write(_ frames: [Int64], at now: Duration) {
        advance(to: now)
        guard !frames.isEmpty else { return }
        if !running {
            running = true
            runs.append((tags.count, now))
            consumed = Double(tags.count)
        }
        tags.append(contentsOf: frames)
    }

    /// The true time at which frame `index` is heard.
    public func heardTime(ofFrame index: Int) -> Duration {
        var low = 0
        var high = runs.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if runs[middle].frame <= index { low = middle } else { high = middle - 1 }
        }
        let run = runs[low]
        return run.time + .nanoseconds(Int64((Double(index - run.frame) / rate * 1e9).rounded()))
    }
}

/// Drives a ``PlayoutScheduler`` against a ``SimulatedSoundCard`` on a manual clock of true time,
/// with an injected view of cluster time and of what is committed.
public struct PlayoutSimulation {
    /// The scheduler under test.
    public var scheduler: PlayoutScheduler
    /// The card it plays on.
    public let card: SimulatedSoundCard
    /// True time.
    public let truth = ManualClock()
    /// Cluster time as this node sees it at a true time (default: equal).
    public var clusterTime: (Duration) -> ClusterTime = { ClusterTime.zero + $0 }
    /// What is committed and decoded at a true time.
    public var available: (Duration) -> Range<Int64> = { _ in 0..<Int64.max }
    /// The stream's length, if known.
    public var streamEnd: Int64?
    /// Every action, with the true time and the committed range it was decided with.
    public private(set) var actions: [(time: Duration, action: PlayoutAction, available: Range<Int64>)] = []
    /// Absolute sample positions of dropped frames.
    public private(set) var droppedSamples: [Int64] = []

    /// A scheduler for `timeline` over a card `cardPPM` fast.
    public init(timeline: StreamTimeline, cardPPM: Double, configuration: PlayoutScheduler.Configuration = .init()) {
        scheduler = PlayoutScheduler(timeline: timeline, configuration: configuration)
        card = SimulatedSoundCard(sampleRate: timeline.sampleRate, ppm: cardPPM)
    }

    /// Runs until `end` (true time) or the stream is finished.
    public mutating func run(until end: Duration, onAction: (Duration, PlayoutAction) -> Void = { _, _ in }) {
        var steps = 0
        while truth.now < end, steps < 10_000_000 {
            steps += 1
            let now = truth.now
            card.advance(to: now)
            let available = available(now)
            let observation = PlayoutObservation(
                now: clusterTime(now), queuedFrames: card.delay, available: available, streamEnd: streamEnd)
            let action = scheduler.next(observation)
            actions.append((now, action, available))
            onAction(now, action)
            switch action {
            case .wait(let until):
                // As a real player does: map the wait to local time with the clock as it stands now.
                truth.sleep(until: now + max(until - clusterTime(now), .microseconds(1)))
            case .silence(let frames, _):
                card.write(Array(repeating: SimulatedSoundCard.silence, count: frames), at: now)
            case .play(let chunk):
                card.write(Self.frames(of: chunk), at: now)
                if chunk.plan.adjustment == .drop {
                    droppedSamples.append(contentsOf: chunk.plan.positions.map { chunk.firstSample + Int64($0) })
                }
            case .skip:
                break
            case .finished:
                return
            }
        }
    }

    /// The tags of a chunk's output frames: its samples with the plan applied.
    public static func frames(of chunk: PlayoutChunk) -> [Int64] {
        var output: [Int64] = []
        output.reserveCapacity(chunk.outputFrames)
        var next = 0
        for index in 0..<chunk.sampleCount {
            if next < chunk.plan.positions.count, chunk.plan.positions[next] == index {
                next += 1
                if chunk.plan.adjustment == .drop { continue }
                output.append(SimulatedSoundCard.inserted)
            }
            output.append(chunk.firstSample + Int64(index))
        }
        return output
    }

    /// Calls `body` for every `stride`-th frame the card has played by true time `until` that carries
    /// a stream sample, with the error of its heard time against its due time in ms (cluster time of
    /// hearing minus the timeline's).
    public func forEachHeardSample(
        until: Duration, stride: Int = 1, _ body: (_ frame: Int, _ sample: Int64, _ errorMilliseconds: Double) -> Void
    ) {
        let timeline = scheduler.timeline
        let runs = card.runs
        var run = 0
        var index = 0
        let tags = card.tags
        while index < tags.count {
            defer { index += stride }
            while run + 1 < runs.count, runs[run + 1].frame <= index { run += 1 }
            let tag = tags[index]
            guard tag >= 0 else { continue }
            let heard = runs[run].time + .nanoseconds(Int64((Double(index - runs[run].frame) / card.rate * 1e9).rounded()))
            if heard > until { break }
            body(index, tag, (clusterTime(heard) - timeline.clusterTime(ofSample: tag)).milliseconds)
        }
    }
}
