import ArgumentParser
import Foundation
import RaftcastClient

/// `raftcast status`: asks every node for its view and prints one table.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show every node's role, term, leader, log position and what it plays.",
        discussion: """
            Exit status: 0 when a majority of the voters agree on one leader (listeners do not count); 1 \
            when they do not (the error line says "no quorum" when fewer voters answer than a quorum) or no node \
            answers; 2 for a bad configuration.
            """)

    @Option(name: .long, help: "The cluster configuration.")
    var config: String = "cluster.yaml"

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    @Option(name: .customLong("timeout-ms"), help: "How long to wait for each node.")
    var timeoutMs: Int = 1000

    /// One line of `--json` output.
    struct Row: Encodable {
        var id: String
        var http: String
        var reachable: Bool
        var error: String?
        var status: ClusterStatusReport?
        var playback: ClusterStatusProbe.Playback?
        /// The name of the stream the node plays, when it plays one.
        var streamName: String?

        enum CodingKeys: String, CodingKey {
            case id, http, reachable, error, status, playback
            case streamName = "stream_name"
        }
    }

    func run() throws {
        let cluster = try ClusterConfigFile.load(config)
        let timeout = Duration.milliseconds(max(1, timeoutMs))
        let results = ClusterStatusProbe.probe(cluster, timeout: timeout, secret: cluster.secret)
        let names = Self.streamNames(results, timeout: timeout, secret: cluster.secret)
        if json {
            let rows = results.map {
                Row(id: $0.member.id, http: "\($0.member.http)", reachable: $0.report != nil, error: $0.error,
                    status: $0.report, playback: $0.playback, streamName: $0.playback?.stream.flatMap { names[$0] })
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(rows)
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(Self.table(results, streamNames: names))
        }
        if results.allSatisfy({ $0.report == nil }) {
            Diagnostics.error(subject: config, reason: "no node answered")
            throw ExitCode(CLIFailure.Code.runtimeFailure.rawValue)
        }
        if case .none(let reason) = LeaderAgreement.judge(results) {
            Diagnostics.error(subject: config, reason: reason)
            throw ExitCode(CLIFailure.Code.runtimeFailure.rawValue)
        }
    }

    /// Stream id → name, from the first node that answers `GET /v1/streams` (the leader's first), for the
    /// streams the nodes play; empty when nobody plays or nobody answers.
    static func streamNames(_ results: [ClusterStatusProbe.Result], timeout: Duration, secret: [UInt8]) -> [String: String] {
        guard results.contains(where: { $0.playback?.stream != nil }) else { return [:] }
        let answered = results.filter { $0.report != nil }.sorted { ($0.report?.role == "leader" ? 0 : 1) < ($1.report?.role == "leader" ? 0 : 1) }
        for result in answered {
            guard let response = try? HTTPFetch.request(
                host: result.member.http.host, port: result.member.http.port, path: "/v1/streams",
                headers: ["Authorization": "Bearer \(AdminToken.token(secret: secret))"], timeout: timeout),
                response.status == 200,
                let list = try? JSONDecoder().decode(StreamList.self, from: Data(response.body))
            else { continue }
            return Dictionary(list.streams.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        }
        return [:]
    }

    /// The part of `GET /v1/streams` the table needs.
    struct StreamList: Decodable {
        struct Stream: Decodable {
            var id: String
            var name: String
        }
        var streams: [Stream]
    }

    /// "name @ position" (or the state; the id when the name is unknown) and the sync error in milliseconds.
    static func playbackCells(_ playback: ClusterStatusProbe.Playback?, streamNames: [String: String] = [:]) -> (String, String) {
        guard let playback else { return ("-", "-") }
        var playing = playback.state
        if let stream = playback.stream, let position = playback.positionSeconds {
            playing = "\(UntrustedText.escaped(streamNames[stream] ?? stream)) @ \(String(format: "%.1f", position)) s"
        }
        let sync = playback.syncErrorNanoseconds.map { String(format: "%+.2f ms", Double($0) / 1e6) } ?? "-"
        return (playing, sync)
    }

    static func table(_ results: [ClusterStatusProbe.Result], streamNames: [String: String] = [:]) -> String {
        var rows = [["ID", "ROLE", "TERM", "LEADER", "COMMIT", "APPLIED", "LAST", "HASH", "PLAYING", "SYNC", "HTTP", "ERROR"]]
        for result in results {
            if let r = result.report {
                let (playing, sync) = playbackCells(result.playback, streamNames: streamNames)
                rows.append([r.id, r.role, "\(r.term)", r.leader ?? "-", "\(r.commitIndex)", "\(r.appliedIndex)",
                             "\(r.lastLogIndex)", r.appliedHash, playing, sync, "\(result.member.http)",
                             r.notice.map { UntrustedText.escaped($0) } ?? "-"])
            } else {
                rows.append([result.member.id, "UNREACHABLE", "-", "-", "-", "-", "-", "-", "-", "-",
                             "\(result.member.http)", result.error ?? "no answer"])
            }
        }
        return TextTable.render(rows)
    }
}
