import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// Bounds how long a node takes to stop. On SIGTERM or SIGINT (or when armed
/// by a fatal failure) the node's graceful shutdown gets ``grace``; if the
/// process is still alive then, because some part is wedged (a thread blocked
/// in the kernel, a loop that no longer reads its inbox), the watchdog logs a
/// `critical` line and ends the process with status 1.
///
/// It depends on neither Swift concurrency nor the node's threads: signals
/// reach it through its own dispatch sources, and the deadline runs on its own
/// thread. The service group's graceful shutdown still receives the same signals.
///
/// `@unchecked Sendable`: its only mutable state (armed, the signal sources it
/// keeps alive) is behind one lock.
public final class ShutdownWatchdog: @unchecked Sendable {
    /// The time the graceful shutdown gets before the process is ended.
    public let grace: Duration
    private let logger: Logger
    private let queue = DispatchQueue(label: "raftcast.shutdown-watchdog")
    private let state = NIOLockedValueBox<(armed: Bool, sources: [any DispatchSourceSignal])>((false, []))

    /// A watchdog that allows `grace` for a graceful stop.
    public init(grace: Duration, logger: Logger) {
        self.grace = grace
        self.logger = logger
    }

    /// Arms the watchdog when any of `signals` arrives (the signals are then
    /// ignored by the default handler, as the service group does too).
    public func watch(signals: [Int32] = [SIGTERM, SIGINT]) {
        let sources = signals.map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [self] in arm(reason: "signal \(number)") }
            source.resume()
            return source
        }
        state.withLockedValue { $0.sources += sources }
    }

    /// Starts the deadline (once; later calls do nothing): after ``grace`` the
    /// process exits with status 1 unless it has ended by then.
    public func arm(reason: String) {
        let first = state.withLockedValue { s -> Bool in
            defer { s.armed = true }
            return !s.armed
        }
        guard first else { return }
        let grace = self.grace
        let logger = self.logger
        let thread = Thread {
            let deadline = ContinuousClock.now + grace
            while ContinuousClock.now < deadline {
                let left = ContinuousClock.now.duration(to: deadline)
                Thread.sleep(forTimeInterval: max(0.01, Double(left.components.seconds) + Double(left.components.attoseconds) * 1e-18))
            }
            logger.critical("shutdown did not finish within \(grace) (after \(reason)): exiting")
            fflush(nil)
            _exit(1)
        }
        thread.name = "shutdown-watchdog"
        thread.start()
    }
}
