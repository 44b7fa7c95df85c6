import ArgumentParser
import Foundation
import RaftcastClient

/// `raftcast status`: asks every node for its view and prints one table.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show every node's role, term, leader and log position (exit 1 when none answers).")

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
    }

    func run() throws {
        let cluster = try ClusterConfigFile.load(config)
        let results = ClusterStatusProbe.probe(cluster, timeout: .milliseconds(max(1, timeoutMs)), secret: cluster.secret)
        if json {
            let rows = results.map {
                Row(id: $0.member.id, http: "\($0.member.http)", reachable: $0.report != nil, error: $0.error,
                    status: $0.report, playback: $0.playback)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(rows)
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(Self.table(results))
        }
        if results.allSatisfy({ $0.report == nil }) {
            Diagnostics.error(subject: config, reason: "no node answered")
            throw ExitCode(CLIFailure.Code.runtimeFailure.rawValue)
        }
    }

    /// "stream @ position" (or the state) and the sync error in milliseconds.
    static func playbackCells(_ playback: ClusterStatusProbe.Playback?) -> (String, String) {
        guard let playback else { return ("-", "-") }
        var playing = playback.state
        if let stream = playback.stream, let position = playback.positionSeconds {
            playing = "\(stream) @ \(String(format: "%.1f", position)) s"
        }
        let sync = playback.syncErrorNanoseconds.map { String(format: "%+.2f ms", Double($0) / 1e6) } ?? "-"
        return (playing, sync)
    }

    static func table(_ results: [ClusterStatusProbe.Result]) -> String {
        var rows = [["ID", "ROLE", "TERM", "LEADER", "COMMIT", "APPLIED", "LAST", "HASH", "PLAYING", "SYNC", "HTTP"]]
        for result in results {
            if let r = result.report {
                let (playing, sync) = playbackCells(result.playback)
                rows.append([r.id, r.role, "\(r.term)", r.leader ?? "-", "\(r.commitIndex)", "\(r.appliedIndex)",
                             "\(r.lastLogIndex)", r.appliedHash, playing, sync, "\(result.member.http)"])
            } else {
                rows.append([result.member.id, "UNREACHABLE", "-", "-", "-", "-", "-", result.error ?? "", "-", "-",
                             "\(result.member.http)"])
            }
        }
        var widths = [Int](repeating: 0, count: rows[0].count)
        for row in rows { for (i, cell) in row.enumerated() where i < row.count - 1 { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i] + 2, withPad: " ", startingAt: 0)
            }.joined()
        }.joined(separator: "\n")
    }
}
