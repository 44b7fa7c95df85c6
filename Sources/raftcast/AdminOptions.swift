import ArgumentParser
import Foundation
import RaftcastClient

/// The options every admin command shares (`queue`, `skip`, `stop`, `streams`): the cluster file and the
/// bound of each request; ``perform(subject:_:)`` runs a call and turns its failure into the CLI's one
/// `error:` line and exit code.
struct AdminOptions: ParsableArguments {
    @Option(name: .long, help: "The cluster configuration.")
    var config: String = "cluster.yaml"

    @Option(name: .customLong("timeout-ms"), help: "How long to wait for each node's answer (a write waits for its commit).")
    var timeoutMs: Int = 10_000

    /// Runs `body` with a client of the cluster's current members, found through the cluster file's
    /// (``AdminClient/init(discovering:timeout:)``). Exit 1 when no node answered, no leader, no quorum
    /// or a refused queue decision (409); exit 2 for a bad cluster file, a refused token, a bad request
    /// or an unknown stream (4xx). `subject` names what the error line is about.
    func perform<T>(subject: String? = nil, _ body: (AdminClient) throws(AdminClient.Failure) -> T) throws -> T {
        let cluster = try ClusterConfigFile.load(config)
        let client = AdminClient(discovering: cluster, timeout: .milliseconds(Int64(max(1, timeoutMs))))
        do {
            return try body(client)
        } catch {
            throw CLIFailure.reportingExit(Self.failure(error, subject: subject ?? config, config: config))
        }
    }

    /// ``perform(subject:_:)`` for a membership change: a refusal of the change (404 unknown member, 409 a
    /// conflict with the cluster's state) is its one-line reason and exit 1; the rest as ``failure(_:subject:config:)``.
    func performChange<T>(subject: String, _ body: (AdminClient) throws(AdminClient.Failure) -> T) throws -> T {
        let cluster = try ClusterConfigFile.load(config)
        let client = AdminClient(discovering: cluster, timeout: .milliseconds(Int64(max(1, timeoutMs))))
        do throws(AdminClient.Failure) {
            return try body(client)
        } catch .refused(let problem) where problem.status == 404 || problem.status == 409 {
            throw CLIFailure.reportingExit(.runtime(subject, UntrustedText.escaped(problem.detail)))
        } catch {
            throw CLIFailure.reportingExit(Self.failure(error, subject: subject, config: config))
        }
    }

    /// The CLI failure of an admin call: 401 and other 4xx (but 409) are bad input (2), the rest runtime (1).
    static func failure(_ error: AdminClient.Failure, subject: String, config: String) -> CLIFailure {
        switch error {
        case .unavailable(let reason):
            return .runtime(config, UntrustedText.escaped(reason))
        case .unreadable(let reason):
            return .runtime(subject, UntrustedText.escaped(reason))
        case .refused(let problem) where problem.status == 401:
            return .badInput(
                config,
                "the cluster refused the admin token: is secret_file the cluster's secret? (\(UntrustedText.escaped(problem.detail)))")
        case .refused(let problem) where (400..<500).contains(problem.status) && problem.status != 409:
            return .badInput(subject, UntrustedText.escaped(problem.description))
        case .refused(let problem):
            return .runtime(subject, UntrustedText.escaped(problem.description))
        }
    }

    /// `text` as a stream id (16 hex digits, lowercased); exit 2 otherwise.
    static func streamID(_ text: String) throws -> String {
        guard let id = AdminClient.streamID(text) else {
            throw CLIFailure.reportingExit(.badInput(UntrustedText.escaped(text), "not a stream id (16 hex digits)"))
        }
        return id
    }

    /// `value` as pretty-printed JSON with sorted keys, on stdout.
    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// The queue after a change: JSON with `json`, else the table.
    static func printQueue(_ queue: QueueResource, json: Bool) throws {
        if json { try printJSON(queue) } else { print(QueueTable.render(queue)) }
    }
}
