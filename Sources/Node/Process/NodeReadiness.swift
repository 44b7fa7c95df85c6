import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// When the node is ready, told to systemd (`Type=notify`; see ``SystemdNotifier``): `READY=1` once
/// the HTTP API listens and the Raft loop runs, `STOPPING=1` as soon as a graceful shutdown begins
/// (SIGTERM, SIGINT, a fatal failure) or the node's run ends otherwise.
///
/// As a service of the node's group, listed last: the group signals services in reverse order, so
/// this one sends `STOPPING=1` before any other part starts stopping. Without `NOTIFY_SOCKET` it only
/// waits for the shutdown.
public final class NodeReadiness: Service, Sendable {
    /// What must be up before the node is ready.
    public enum Part: Hashable, Sendable, CaseIterable {
        /// The HTTP API's listener accepts connections.
        case httpListening
        /// The Raft loop's thread runs and the transport listens.
        case raftLoopRunning
    }

    /// Where the states go; nil when systemd did not ask (no `NOTIFY_SOCKET`).
    public let notifier: SystemdNotifier?
    private let logger: Logger
    private let waiting = NIOLockedValueBox<Set<Part>>(Set(Part.allCases))

    public init(notifier: SystemdNotifier?, logger: Logger) {
        self.notifier = notifier
        self.logger = logger
    }

    /// Records that `part` is up; the last one sends `READY=1`.
    public func reached(_ part: Part) {
        let allUp = waiting.withLockedValue { waiting -> Bool in
            guard waiting.remove(part) != nil else { return false }
            return waiting.isEmpty
        }
        guard allUp, let notifier else { return }
        if notifier.notifyOnce("READY=1\nSTATUS=serving: HTTP API listening, raft loop running") {
            logger.info("told systemd READY=1", metadata: ["notify_socket": "\(notifier.socketName)"])
        } else {
            logger.warning("could not send READY=1 to NOTIFY_SOCKET", metadata: ["notify_socket": "\(notifier.socketName)"])
        }
    }

    /// Sends `STOPPING=1` (once).
    public func stopping() {
        notifier?.notifyOnce("STOPPING=1")
    }

    /// Waits for the group's graceful shutdown, then sends `STOPPING=1`.
    public func run() async throws {
        try? await gracefulShutdown()
        stopping()
    }
}
