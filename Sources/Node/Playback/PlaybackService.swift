import Audio
import Broadcast
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Plays the cluster's streams on this member's audio device (cluster.yaml `audio`), in step with
/// every other node (docs/playback-sync.md, docs/node.md).
///
/// With a device, one thread (`playback`) owns everything that is not thread-safe: it opens the
/// device (``AudioOutput``: an ALSA name such as `default`, `hw:0` or
/// `file:FILE=/path/out.raw,FORMAT=raw`; without a sound card a card name falls back to
/// `<data_dir>/playback.wav`), runs a ``PlaybackEngine`` with its play log in `data_dir`, subscribes
/// to what Raft commits (``NodeEventSource``), replays the catalogue it finds (a node that starts
/// mid-stream joins at the current position), and then applies each event and pumps the engine,
/// refreshing the engine's cluster clock from ``ClusterClockSource`` before every pump.
/// The event handler only enqueues. With `audio: none` there is no engine and no thread.
public final class PlaybackService: Service {
    /// What the service reports (`GET /v1/playback`).
    public struct Snapshot: Sendable, Hashable {
        /// Whether this member plays at all (`audio` is not `none`).
        public var enabled: Bool
        /// The engine's status, once it runs.
        public var engine: PlaybackStatus?
        /// Why playback stopped or never started, if it did.
        public var error: String?
        /// Set when the fallback WAV file is used instead of the device.
        public var notice: String?

        /// A snapshot with the given fields.
        public init(enabled: Bool, engine: PlaybackStatus? = nil, error: String? = nil, notice: String? = nil) {
            self.enabled = enabled
            self.engine = engine
            self.error = error
            self.notice = notice
        }
    }

    /// How far ahead a sink that does not play in real time (alsa-lib's `file` or `null`, the WAV
    /// fallback) is written: its virtual playhead never waits for a thread that a busy machine
    /// delays, so what it records stays exact. A sound card keeps the engine's 50 ms.
    public static let nonRealTimeQueue: Duration = .milliseconds(500)

    /// How far that queue drains before it is topped up: the playback thread wakes about every 100 ms
    /// and writes ten 10-ms chunks, instead of waking for each chunk (100 times a second). The chunks, and
    /// so the drift corrections and the play log, are the same.
    public static let nonRealTimeRefill: Duration = .milliseconds(100)

    /// Environment variable (whole ms, 0…400) that replaces ``nonRealTimeRefill``; 0 writes a sink that does
    /// not play in real time chunk by chunk, as a sound card is written. `scripts/bench-sync.sh` sets 0: its
    /// capture times each frame by when it was written (docs/playback-sync.md, "Measuring sync from outside").
    public static let refillEnvironmentKey = "RAFTCAST_FILE_SINK_REFILL_MS"

    /// Environment variable (whole µs, 1…100000) that turns on the experimental re-placement of a playhead
    /// once the clock converged (``PlayoutScheduler/Configuration/refineBelowBound``); unset: off.
    public static let refineEnvironmentKey = "RAFTCAST_PLAYHEAD_REFINE_US"

    /// This member's id.
    public let node: String
    /// The ALSA device name; nil for `audio: none`.
    public let audioDevice: String?
    /// Where the play log (and the fallback WAV file) go.
    public let dataDirectory: String
    /// Longest wait between two pumps while nothing is due (the cluster clock is refreshed then).
    public let idleInterval: Duration
    private let events: any NodeEventSource
    private let time: any ClusterClockSource
    private let localClock: any MonotonicClock
    private let configuration: PlaybackEngine.Configuration
    private let logger: Logger
    /// Events posted by the Raft thread, and the stop request.
    private let inbox = ThreadMailbox<NodeEvent>()
    private let published: Mutex<Snapshot>
    private let started = Mutex(false)

    /// A service for member `node` playing on `audioDevice` (nil: disabled).
    public init(
        node: String, audioDevice: String?, dataDirectory: String, events: any NodeEventSource,
        time: any ClusterClockSource, localClock: any MonotonicClock = SystemMonotonicClock(),
        configuration: PlaybackEngine.Configuration? = nil, idleInterval: Duration = .milliseconds(100), logger: Logger
    ) {
        self.node = node
        self.audioDevice = audioDevice
        self.dataDirectory = dataDirectory
        self.events = events
        self.time = time
        self.localClock = localClock
        self.configuration = configuration ?? .init(node: node)
        self.idleInterval = idleInterval
        self.logger = logger
        published = Mutex(Snapshot(enabled: audioDevice != nil))
    }

    /// What the service reports now.
    public var snapshot: Snapshot { published.withLock { $0 } }

    /// The fallback WAV file used when a card name is asked for on a machine without a sound card.
    public var fallbackWAVPath: String { (dataDirectory as NSString).appendingPathComponent("playback.wav") }

    /// Starts the playback thread (once; nothing when disabled).
    public func start() {
        guard audioDevice != nil else { return }
        let first = started.withLock { started in
            defer { started = true }
            return !started
        }
        guard first else { return }
        let thread = Thread { [self] in
            play()
            inbox.finish()
        }
        thread.name = "playback"
        thread.start()
    }

    /// Stops the playback thread and returns once it has closed the device.
    public func stop() async {
        guard started.withLock({ $0 }) else { return }
        inbox.requestStop()
        await inbox.waitUntilFinished()
    }

    /// Plays until graceful shutdown or cancellation, then stops the thread.
    public func run() async throws {
        start()
        try? await gracefulShutdown()
        await stop()
    }

    // MARK: - The playback thread

    private func play() {
        guard let device = audioDevice else { return }
        // Chunks go out when due: a sleep may end 1 µs late instead of the default 50 µs (what a sink
        // that does not play in real time hears; a sound card plays by its own clock either way).
        SystemMonotonicClock.setTimerSlackOfThisThread(.microseconds(1))
        let opened: AudioOutput.Opened
        do {
            opened = try AudioOutput.open(device: device, fallbackWAV: fallbackWAVPath)
        } catch {
            fail("cannot open audio device \"\(device)\": \(error)")
            return
        }
        defer {
            do { try opened.sink.close() } catch { logger.warning("playback: closing the device failed: \(error)") }
        }
        if let notice = opened.notice {
            logger.notice("\(notice)")
            published.withLock { $0.notice = notice }
        }
        var configuration = self.configuration
        if !opened.sink.pacesInRealTime {
            configuration.playout.targetQueue = max(configuration.playout.targetQueue, Self.nonRealTimeQueue)
            configuration.playout.refill = configuration.playout.refill ?? Self.nonRealTimeRefill
            if let milliseconds = TuningEnvironment.wholeNumber(
                Self.refillEnvironmentKey, in: 0...400, unit: "ms", subsystem: "playback", logger: logger) {
                configuration.playout.refill = milliseconds == 0 ? nil : .milliseconds(milliseconds)
                logger.notice("playback: a sink that does not play in real time is topped up after \(milliseconds) ms drained")
            }
        }
        // Experimental (docs/playback-sync.md, "Measuring sync from outside"): re-place the playhead once the
        // clock's bound is at most this many µs.
        if let microseconds = TuningEnvironment.wholeNumber(
            Self.refineEnvironmentKey, in: 1...100_000, unit: "µs", subsystem: "playback", logger: logger) {
            configuration.playout.refineBelowBound = .microseconds(microseconds)
            logger.notice("playback: playhead re-placed once the clock's bound is at most \(microseconds) µs")
        }
        let engine: PlaybackEngine
        do {
            engine = try PlaybackEngine(
                sink: opened.sink, clock: localClock, clusterClock: time.clusterClock, playLogDirectory: dataDirectory,
                configuration: configuration)
        } catch {
            fail("cannot start playback: \(error)")
            return
        }
        let logger = self.logger
        engine.streamFailureObserver = { stream, reason in
            logger.error("playback: stream dropped on this node, it cannot be played; other streams play on", metadata: [
                "stream": "\(stream)", "reason": "\(reason)",
            ])
        }
        engine.playLogObserver = { failure in
            if let failure {
                logger.warning("play log not written, playback goes on without it: \(failure)")
            } else {
                logger.notice("play log written again")
            }
        }
        let feed = PlaybackFeed(input: engine, events: events) { problem in problem.log(to: logger) }
        let inbox = self.inbox
        let subscription = events.subscribe { batch in inbox.post(contentsOf: batch) }
        feed.replay(subscription.catalogue, clusterNow: time.clusterNow())
        logger.info("playback started", metadata: [
            "device": "\(device)", "streams": "\(subscription.catalogue.streams.count)",
        ])
        // Bounded by the stop request: every round waits for an event, the engine's next wake-up or
        // the idle interval.
        while true {
            engine.clusterClock = time.clusterClock
            let wake: Duration?
            do {
                wake = try engine.pump()
            } catch {
                published.withLock { $0.engine = nil }
                fail("playback stopped: \(error)")
                return
            }
            let status = engine.status
            published.withLock { $0.engine = status }
            let now = localClock.now
            let deadline = min(wake ?? now + idleInterval, now + idleInterval)
            guard let batch = inbox.take(waitingFor: deadline - now) else { break }
            for event in batch { feed.apply(event) }
        }
        published.withLock { $0.engine = engine.status }
        engine.playLog?.close()
    }

    private func fail(_ message: String) {
        logger.error("\(message)")
        published.withLock { $0.error = message }
    }
}
