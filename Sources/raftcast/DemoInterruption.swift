import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What interrupts a running demo, so that it stops its processes before exiting: SIGINT or SIGTERM, or
/// its output's reader gone (`raftcast demo | head`: a write fails with EPIPE; SIGPIPE is ignored while
/// the demo runs, else it would end the process with its nodes still running).
/// The flags are atomic (a signal's is set on a dispatch queue, read by the demo's thread); the signal
/// sources are touched only by the demo's thread, in ``install()`` and ``uninstall()``.
final class DemoInterruption: @unchecked Sendable {
    private let signalled = Atomic<Bool>(false)
    private let outputClosed = Atomic<Bool>(false)
    private var sources: [any DispatchSourceSignal] = []
    private var previousPipeHandler: sighandler_t?

    /// Whether SIGINT or SIGTERM arrived.
    var isSignalled: Bool { signalled.load(ordering: .relaxed) }

    /// Whether a write of the demo's output found its reader gone.
    var isOutputClosed: Bool { outputClosed.load(ordering: .relaxed) }

    /// Notes that the demo's output was closed (a write failed with EPIPE).
    func noteOutputClosed() { outputClosed.store(true, ordering: .relaxed) }

    /// Routes SIGINT and SIGTERM to the flag; ignores SIGPIPE (a closed output is then a failed write).
    func install() {
        previousPipeHandler = signal(SIGPIPE, SIG_IGN)
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in signalled.store(true, ordering: .relaxed) }
            source.resume()
            sources.append(source)
        }
    }

    /// Restores the default handlers of SIGINT and SIGTERM, and SIGPIPE's as it was.
    func uninstall() {
        sources.forEach { $0.cancel() }
        sources.removeAll()
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        signal(SIGPIPE, previousPipeHandler ?? SIG_DFL)
    }
}
