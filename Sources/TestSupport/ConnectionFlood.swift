import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Hostile clients of one node, bounded in count and time, on threads of their own:
///
/// - **raft flood** (2 threads): connection attempts on the raft port at `raftRate` per second from 20
///   source addresses (127.0.0.10–29), every other one sending 64 bytes of garbage, the rest nothing;
///   the newest `maxHeldRaft` sockets are held open, older ones are reset (no TIME_WAIT piles up).
/// - **slowloris**: `slowloris` HTTP connections from 20 other addresses (127.0.0.40–59), each sending
///   a request line and then one header byte about every second, never finishing its head; a
///   connection the server closes is opened again (at most `reopenPerTick` per 5 ms tick, 400/s; the
///   first `slowloris` are opened at up to 2,000/s).
///
/// ``stop()`` ends both within a few milliseconds and closes every socket. One copy serves the functional
/// test (NodeTests' ConnectionFloodTests, debug builds) and the benchmark (`raftcast-bench flood`, release
/// builds, scripts/bench-flood.sh). The client needs about `maxHeldRaft + slowloris` + 100 descriptors.
public final class ConnectionFlood: @unchecked Sendable {
    /// What the clients did.
    public struct Figures: Sendable, CustomStringConvertible {
        /// Connection attempts made on the raft port.
        public var raftAttempts = 0
        /// Attempts whose socket could not be made or whose connect failed at once.
        public var raftConnectFailures = 0
        /// Slowloris connections opened (including reopened ones).
        public var slowlorisOpened = 0
        /// Slowloris connections the server closed (or answered).
        public var slowlorisClosedByServer = 0
        /// The most slowloris connections open at once.
        public var slowlorisMostOpen = 0
        /// Seconds from ``ConnectionFlood/start()`` to ``ConnectionFlood/stop()``.
        public var seconds = 0.0

        /// Raft-port attempts per second actually reached.
        public var raftAttemptsPerSecond: Double { seconds > 0 ? Double(raftAttempts) / seconds : 0 }

        public var description: String {
            "raft attempts \(raftAttempts) (\(Int(raftAttemptsPerSecond.rounded()))/s, \(raftConnectFailures) failed at once), "
                + "slowloris opened \(slowlorisOpened), closed by the server \(slowlorisClosedByServer), "
                + "most open \(slowlorisMostOpen), over \(String(format: "%.2f", seconds)) s"
        }
    }

    /// The raft port flooded on 127.0.0.1.
    public let raftPort: Int
    /// The HTTP port the slowloris connections go to on 127.0.0.1.
    public let httpPort: Int
    /// Raft-port connection attempts per second.
    public let raftRate: Int
    /// Slowloris connections kept open.
    public let slowloris: Int
    /// Raft-port sockets held open at once.
    public let maxHeldRaft: Int
    /// Slowloris connections reopened per 5 ms tick once all were opened.
    public let reopenPerTick: Int
    private let lock = NSLock()
    private var running = true
    private var figures = Figures()
    /// Raft attempts and connect failures of each raft thread.
    private var raftFigures: [Int: (attempts: Int, failures: Int)] = [:]
    private var started: ContinuousClock.Instant?
    private static let raftThreads = 2
    private let done = DispatchGroup()

    /// A flood of `raftRate` attempts per second on `raftPort` and `slowloris` connections to `httpPort`
    /// (both on 127.0.0.1); nothing happens until ``start()``.
    public init(
        raftPort: Int, httpPort: Int, raftRate: Int = 5000, slowloris: Int = 2000, maxHeldRaft: Int = 1000,
        reopenPerTick: Int = 2
    ) {
        self.raftPort = raftPort
        self.httpPort = httpPort
        self.raftRate = raftRate
        self.slowloris = slowloris
        self.maxHeldRaft = maxHeldRaft
        self.reopenPerTick = reopenPerTick
    }

    /// Starts both floods (once); a `raftRate` or `slowloris` of 0 leaves that one out.
    public func start() {
        locked { $0.started = .now }
        if raftRate >= Self.raftThreads && maxHeldRaft >= Self.raftThreads {
            for part in 0..<Self.raftThreads {
                done.enter()
                Thread { [self] in
                    floodRaft(part: part)
                    done.leave()
                }.start()
            }
        }
        if slowloris > 0 {
            done.enter()
            Thread { [self] in
                holdSlowloris()
                done.leave()
            }.start()
        }
    }

    /// Stops both floods, waits for their threads (at most 10 s) and returns what they did. Calling it
    /// again returns the same figures.
    @discardableResult
    public func stop() -> Figures {
        let stopped = ContinuousClock.now
        let wasRunning = locked { flood -> Bool in
            defer { flood.running = false }
            return flood.running
        }
        _ = done.wait(timeout: .now() + 10)
        return locked { flood in
            flood.figures.raftAttempts = flood.raftFigures.values.reduce(0) { $0 + $1.attempts }
            flood.figures.raftConnectFailures = flood.raftFigures.values.reduce(0) { $0 + $1.failures }
            if wasRunning, let started = flood.started {
                let elapsed = started.duration(to: stopped)
                flood.figures.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            }
            return flood.figures
        }
    }

    private func locked<T>(_ body: (ConnectionFlood) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(self)
    }

    private var isRunning: Bool { locked { $0.running } }

    /// One raft thread's share: `raftRate / raftThreads` attempts per second from its 10 addresses.
    private func floodRaft(part: Int) {
        let rate = raftRate / Self.raftThreads
        var held = [Int32](repeating: -1, count: maxHeldRaft / Self.raftThreads)
        var next = 0
        var attempts = 0
        var failures = 0
        var garbageDue: [Int32] = []
        var garbage = [UInt8](repeating: 0, count: 64)
        let start = ContinuousClock.now
        while isRunning {
            // Garbage goes to the sockets opened one tick ago (their connects have completed by now).
            for fd in garbageDue {
                for i in garbage.indices { garbage[i] = UInt8.random(in: 0...255) }
                _ = garbage.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            }
            garbageDue.removeAll(keepingCapacity: true)
            let elapsed = ContinuousClock.now - start
            let due = Int(Double(rate) * (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
            // Never more than 100 ms of attempts at once, should this thread fall behind.
            var budget = max(1, rate / 10)
            while attempts < due, budget > 0 {
                attempts += 1
                budget -= 1
                guard let fd = LoopbackSocket.connectNonBlocking(
                    port: raftPort, source: "127.0.0.\(10 + part * 10 + attempts % 10)") else {
                    failures += 1
                    continue
                }
                if held[next] >= 0 { LoopbackSocket.abort(held[next]) }
                held[next] = fd
                next = (next + 1) % held.count
                if attempts % 2 == 0 { garbageDue.append(fd) }
            }
            locked { $0.raftFigures[part] = (attempts, failures) }
            usleep(1000)
        }
        for fd in held where fd >= 0 { LoopbackSocket.abort(fd) }
    }

    private func holdSlowloris() {
        let head = Array("GET /v1/cluster HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".utf8)
        // Per slot: the socket (-1: none) and how many bytes of the head it has sent.
        var sockets = [Int32](repeating: -1, count: slowloris)
        var sent = [Int](repeating: 0, count: slowloris)
        var opened = 0
        var closed = 0
        var mostOpen = 0
        var turn = 0
        var buffer = [UInt8](repeating: 0, count: 512)
        var pollers: [pollfd] = []
        while isRunning {
            // (Re)open empty slots, a few per tick.
            var budget = opened < sockets.count ? 10 : reopenPerTick
            for slot in sockets.indices where sockets[slot] < 0 && budget > 0 {
                budget -= 1
                guard let fd = LoopbackSocket.connectNonBlocking(port: httpPort, source: "127.0.0.\(40 + slot % 20)") else { continue }
                sockets[slot] = fd
                sent[slot] = 0
                opened += 1
            }
            // Notice connections the server closed (or answered: it would only answer to close).
            pollers.removeAll(keepingCapacity: true)
            var slots: [Int] = []
            for (slot, fd) in sockets.enumerated() where fd >= 0 {
                pollers.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
                slots.append(slot)
            }
            mostOpen = max(mostOpen, pollers.count)
            if !pollers.isEmpty, poll(&pollers, nfds_t(pollers.count), 0) > 0 {
                for (index, poller) in pollers.enumerated() where poller.revents != 0 {
                    let slot = slots[index]
                    let n = buffer.withUnsafeMutableBytes { recv(sockets[slot], $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                    if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && poller.revents & Int16(POLLERR | POLLHUP) == 0 {
                        continue
                    }
                    LoopbackSocket.abort(sockets[slot])
                    sockets[slot] = -1
                    closed += 1
                }
            }
            // Trickle: 1/200 of the connections send their next byte each 5 ms tick (the whole request
            // line at first), so each sends a byte about every second and never completes its head.
            let share = max(1, sockets.count / 200)
            for _ in 0..<share {
                let slot = turn % sockets.count
                turn += 1
                guard sockets[slot] >= 0 else { continue }
                if sent[slot] < head.count {
                    let n = head[sent[slot]...].withUnsafeBytes { send(sockets[slot], $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
                    if n > 0 { sent[slot] += n }
                } else {
                    var byte = UInt8(ascii: "a")
                    if send(sockets[slot], &byte, 1, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) == 1 { sent[slot] += 1 }
                }
            }
            locked {
                $0.figures.slowlorisOpened = opened
                $0.figures.slowlorisClosedByServer = closed
                $0.figures.slowlorisMostOpen = mostOpen
            }
            usleep(5000)
        }
        for fd in sockets where fd >= 0 { LoopbackSocket.abort(fd) }
    }
}
