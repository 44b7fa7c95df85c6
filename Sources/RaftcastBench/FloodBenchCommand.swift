import ArgumentParser
import Foundation
import Node
import RaftcastClient
import TestSupport

/// `raftcast-bench flood`: issue 13's connection flood against one running node — `--rate` pre-auth
/// connection attempts per second on its raft port and `--slowloris` slow HTTP connections (the
/// ``ConnectionFlood`` clients of ConnectionFloodTests) — while `GET /v1/cluster` of every node given is
/// polled about ten times a second. Prints `key: value` lines: the load reached, the slowloris figures,
/// per node the polls and their p50/p99/max latency, and the failures (no answer within the 5 s request
/// timeout, not 200, role/leader/term other than before the flood, slower than `--bound-ms`). Exits 1
/// on any failure or when the clients reached less than 95 % of `--rate`. With `--rate 0 --slowloris 0`
/// it only polls: the reference without a flood. `scripts/bench-flood.sh` runs it against the leader of a
/// 3-node cluster at `ulimit -n 1024`.
struct FloodBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flood",
        abstract: "Flood one node's raft and HTTP ports; print the load reached and /v1/cluster latency of every node.")

    @Option(name: .customLong("raft-port"), help: "The flooded node's raft port on 127.0.0.1.")
    var raftPort: Int

    @Option(name: .customLong("http-port"), help: "The flooded node's HTTP port on 127.0.0.1 (slowloris).")
    var httpPort: Int

    @Option(name: .customLong("http-ports"), help: "Comma-separated HTTP ports of the nodes to poll (default: --http-port).")
    var httpPorts: String?

    @Option(help: "Seconds of flood.")
    var seconds: Int = 30

    @Option(help: "Raft-port connection attempts per second (0: none).")
    var rate: Int = 5000

    @Option(help: "Slowloris HTTP connections kept open (0: none).")
    var slowloris: Int = 2000

    @Option(name: .customLong("bound-ms"), help: "Slowest acceptable /v1/cluster answer, milliseconds.")
    var boundMs: Int = 1000

    /// Raft sockets the flood holds open at once (as in ConnectionFloodTests).
    static let heldRaft = 1000
    /// Polls of each node per second.
    static let pollInterval: Duration = .milliseconds(100)
    /// Request timeout of each poll.
    static let pollTimeout: Duration = .seconds(5)

    func validate() throws {
        guard seconds > 0, boundMs > 0 else { throw ValidationError("--seconds and --bound-ms must be positive") }
        guard rate >= 0, slowloris >= 0 else { throw ValidationError("--rate and --slowloris must not be negative") }
        guard ports != nil else { throw ValidationError("--http-ports: want comma-separated port numbers, got '\(httpPorts ?? "")'") }
    }

    /// The polled ports, nil when `--http-ports` is malformed.
    var ports: [Int]? {
        guard let httpPorts else { return [httpPort] }
        let ports = httpPorts.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !ports.isEmpty, ports.allSatisfy({ $0 != nil && $0! > 0 && $0! < 65536 }) else { return nil }
        return ports.compactMap { $0 }
    }

    func run() throws {
        let ports = ports ?? []
        // The clients hold `heldRaft` + `slowloris` sockets, plus the polls and the runtime's own.
        let needed = UInt64(Self.heldRaft + slowloris + 200)
        let limit = FileDescriptorLimit.raiseSoftToHard()?.after
        guard let limit, limit.soft >= needed else {
            throw Self.failure("this process may open \(limit.map { "\($0.soft)" } ?? "an unknown number of") files; "
                + "the flood needs \(needed) (raise ulimit -n)")
        }
        // Every node's view before the flood: the baseline its answers are held to.
        var baselines: [ClusterStatusReport] = []
        for port in ports {
            let response: HTTPFetch.Response
            do {
                response = try HTTPFetch.request(host: "127.0.0.1", port: port, path: "/v1/cluster", timeout: Self.pollTimeout)
            } catch {
                throw Self.failure("the node on HTTP port \(port) did not answer /v1/cluster before the flood: \(error)")
            }
            guard response.status == 200,
                  let report = try? JSONDecoder().decode(ClusterStatusReport.self, from: Data(response.body))
            else { throw Self.failure("the node on HTTP port \(port) answered /v1/cluster with \(response.status) before the flood") }
            guard report.leader != nil else { throw Self.failure("node \(report.id) knows no leader before the flood") }
            baselines.append(report)
        }
        if let flooded = ports.firstIndex(of: httpPort) {
            let report = baselines[flooded]
            print("flooded: \(report.id) (raft port \(raftPort), http port \(httpPort)), role \(report.role), term \(report.term)")
        } else {
            print("flooded: raft port \(raftPort), http port \(httpPort) (not polled)")
        }

        let flood = ConnectionFlood(
            raftPort: raftPort, httpPort: httpPort, raftRate: rate, slowloris: slowloris, maxHeldRaft: Self.heldRaft)
        let pollers = zip(ports, baselines).map { port, baseline in
            ClusterStatusPoller(
                port: port, baseline: baseline, interval: Self.pollInterval, timeout: Self.pollTimeout,
                bound: .milliseconds(boundMs))
        }
        let origin = ContinuousClock.now
        flood.start()
        for poller in pollers { poller.start(origin: origin) }
        // The measurement's length, not synchronisation.
        Thread.sleep(forTimeInterval: Double(seconds))
        let figures = flood.stop()
        let summaries = pollers.map { $0.stop() }

        print(String(format: "seconds: %.2f", figures.seconds))
        print("raft_attempts: \(figures.raftAttempts)")
        print(String(format: "raft_attempts_per_s: %.0f", figures.raftAttemptsPerSecond))
        print("raft_rate_target: \(rate)")
        print("raft_connect_failures: \(figures.raftConnectFailures)")
        print("slowloris_target: \(slowloris)")
        print("slowloris_opened: \(figures.slowlorisOpened)")
        print("slowloris_closed_by_server: \(figures.slowlorisClosedByServer)")
        print("slowloris_most_open: \(figures.slowlorisMostOpen)")
        print("cluster_polls: \(summaries.reduce(0) { $0 + $1.polls })")
        for (index, summary) in summaries.enumerated() {
            let sorted = summary.latencies.sorted()
            let baseline = baselines[index]
            print("cluster \(baseline.id): port=\(ports[index]) role=\(baseline.role) term=\(baseline.term) polls=\(summary.polls) "
                + String(format: "p50_ms=%.2f p99_ms=%.2f max_ms=%.2f ",
                         Self.percentile(sorted, 0.50), Self.percentile(sorted, 0.99), sorted.last ?? .nan)
                + "no_answer=\(summary.noAnswer) non_200=\(summary.non200) changed=\(summary.changed) "
                + "over_\(boundMs)ms=\(summary.overBound)")
        }
        let failures = summaries.reduce(0) { $0 + $1.failureCount }
        print("failures: \(failures)")
        var verdict: [String] = []
        for (index, summary) in summaries.enumerated() {
            for failure in summary.failures { FileHandle.standardError.write(Data("\(baselines[index].id) \(failure)\n".utf8)) }
            if summary.polls == 0 { verdict.append("\(baselines[index].id) was never polled") }
        }
        if failures > 0 { verdict.append("\(failures) failed /v1/cluster polls") }
        if rate > 0, figures.raftAttemptsPerSecond < 0.95 * Double(rate) {
            verdict.append(String(format: "load not reached: %.0f raft attempts/s of %d", figures.raftAttemptsPerSecond, rate))
        }
        print("result: \(verdict.isEmpty ? "pass" : "fail (\(verdict.joined(separator: "; ")))")")
        if !verdict.isEmpty { throw ExitCode(1) }
    }

    /// Prints `error: message` (one line, stderr) and returns the exit status 1 to throw.
    static func failure(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode(1)
    }

    /// The nearest-rank percentile `p` of `sorted` (NaN when empty).
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))]
    }
}
