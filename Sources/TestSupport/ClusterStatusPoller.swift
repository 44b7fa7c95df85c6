import Foundation
import RaftcastClient

/// Asks one node `GET /v1/cluster` about ten times a second on a thread of its own (so a slow node does
/// not delay the polls of the others) and keeps every answer's latency and every failure: no answer
/// within the request timeout, an answer other than 200 with a ``ClusterStatusReport``, a role, leader
/// or term other than the node's `baseline`, an answer slower than `bound`; and every role it answered
/// with and leader it named (for tests where leadership moves on purpose).
public final class ClusterStatusPoller: @unchecked Sendable {
    /// What the polls of one node saw.
    public struct Summary: Sendable {
        public var polls = 0
        /// Milliseconds of every answer (any status), in the order received.
        public var latencies: [Double] = []
        public var noAnswer = 0
        public var non200 = 0
        public var changed = 0
        public var overBound = 0
        /// The first failures, described ("at 12.3 s: answered 503").
        public var failures: [String] = []
        /// Every role the node answered with, and how many times.
        public var roles: [String: Int] = [:]
        /// Every leader the node named.
        public var leaders: Set<String> = []
        /// Every term at which the node answered as the leader.
        public var leaderTerms: Set<UInt64> = []

        public var failureCount: Int { noAnswer + non200 + changed + overBound }
    }

    public let port: Int
    public let baseline: ClusterStatusReport
    public let interval: Duration
    public let timeout: Duration
    public let bound: Duration
    private let lock = NSLock()
    private var running = true
    private var summary = Summary()
    private let done = DispatchSemaphore(value: 0)

    public init(port: Int, baseline: ClusterStatusReport, interval: Duration, timeout: Duration, bound: Duration) {
        self.port = port
        self.baseline = baseline
        self.interval = interval
        self.timeout = timeout
        self.bound = bound
    }

    /// Starts polling; times in failure descriptions count from `origin`.
    public func start(origin: ContinuousClock.Instant) {
        Thread { [self] in
            poll(origin: origin)
            done.signal()
        }.start()
    }

    /// Stops polling, waits for the poll under way (at most the request timeout and a second) and returns
    /// what the polls saw. Once stopped, returns at once.
    public func stop() -> Summary {
        let wasRunning = lock.withLock {
            defer { running = false }
            return running
        }
        if wasRunning { _ = done.wait(timeout: .now() + .milliseconds(Int(timeout.milliseconds) + 1000)) }
        return lock.withLock { summary }
    }

    private var isRunning: Bool { lock.withLock { running } }

    private func poll(origin: ContinuousClock.Instant) {
        var next = ContinuousClock.now
        while isRunning {
            let asked = ContinuousClock.now
            let answer = Result { () throws(HTTPFetch.Failure) -> HTTPFetch.Response in
                try HTTPFetch.request(host: "127.0.0.1", port: port, path: "/v1/cluster", timeout: timeout)
            }
            let took = asked.duration(to: .now)
            record(answer, took: took, at: origin.duration(to: asked))
            // Pacing of the measurement: the next poll is due one interval after this one started.
            next = max(next + interval, .now)
            while isRunning, ContinuousClock.now < next { usleep(5_000) }
        }
    }

    private func record(_ answer: Result<HTTPFetch.Response, HTTPFetch.Failure>, took: Duration, at: Duration) {
        let when = String(format: "at %.1f s", at.milliseconds / 1000)
        var failure: String?
        lock.withLock {
            summary.polls += 1
            switch answer {
            case .failure(let reason):
                summary.noAnswer += 1
                failure = "\(when): no answer (\(reason))"
            case .success(let response):
                summary.latencies.append(took.milliseconds)
                if took > bound {
                    summary.overBound += 1
                    failure = "\(when): answered in \(Int(took.milliseconds.rounded())) ms"
                }
                guard response.status == 200,
                      let report = try? JSONDecoder().decode(ClusterStatusReport.self, from: Data(response.body))
                else {
                    summary.non200 += 1
                    failure = "\(when): answered \(response.status)"
                    break
                }
                summary.roles[report.role, default: 0] += 1
                if let leader = report.leader { summary.leaders.insert(leader) }
                if report.role == "leader" { summary.leaderTerms.insert(report.term) }
                if report.role != baseline.role || report.leader != baseline.leader || report.term != baseline.term {
                    summary.changed += 1
                    failure = "\(when): role \(report.role), leader \(report.leader ?? "none"), term \(report.term) "
                        + "(was \(baseline.role), \(baseline.leader ?? "none"), \(baseline.term))"
                }
            }
            if let failure, summary.failures.count < 10 { summary.failures.append(failure) }
        }
    }
}

extension Duration {
    /// The duration in milliseconds, fractions kept.
    fileprivate var milliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}
