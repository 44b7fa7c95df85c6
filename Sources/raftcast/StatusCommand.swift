import ArgumentParser
import Foundation
import RaftcastClient

/// `raftcast status`: finds the cluster's current members through cluster.yaml's (``ClusterDirectory``), asks
/// every one for its view and prints one table.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show every member's role, term, leader, log position and what it plays.",
        discussion: """
            The members are the cluster's, not only the file's: the nodes of the cluster file are asked \
            first, and the member list of the leader they name (GET /v1/members) gives every current member \
            (a node added later included, a removed one left out), each of which is then asked. A node of the \
            file that answers but is no longer (or not yet) a member is listed last, marked "not a member". \
            When no node lists the members, the file's nodes are shown.

            Exit status: 0 when a majority of the voters agree on one leader (listeners do not count); 1 \
            when they do not (the error line says "no quorum" when fewer voters answer than a quorum) or no node \
            answers (the error line names the nodes tried); 2 for a bad configuration.
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
        /// Whether the cluster's member list names it (false: a node of the file that answered but is not a member).
        var member: Bool
        /// `voter` or `listener` as the member list says (the file's role when no node listed the members);
        /// nil for a node that is not a member.
        var memberRole: String?
        var reachable: Bool
        var error: String?
        var status: ClusterStatusReport?
        var playback: ClusterStatusProbe.Playback?
        /// The name of the stream the node plays, when it plays one.
        var streamName: String?

        enum CodingKeys: String, CodingKey {
            case id, http, member, reachable, error, status, playback
            case memberRole = "member_role"
            case streamName = "stream_name"
        }
    }

    /// What `status` gathered: one result per member (in the member list's order, each with the list's role),
    /// then the file's nodes that answered but are not members.
    struct Gathered {
        var members: [ClusterStatusProbe.Result]
        var others: [ClusterStatusProbe.Result]
    }

    func run() throws {
        let cluster = try ClusterConfigFile.load(config)
        let timeout = Duration.milliseconds(max(1, timeoutMs))
        let directory = ClusterDirectory.discover(seeds: cluster.nodes, secret: cluster.secret, timeout: timeout, playback: true)
        let gathered = Self.gather(directory, timeout: timeout, secret: cluster.secret)
        let all = gathered.members + gathered.others
        let names = Self.streamNames(all, timeout: timeout, secret: cluster.secret)
        if json {
            let rows = all.enumerated().map { i, result in
                let member = i < gathered.members.count
                return Row(id: result.member.id, http: "\(result.member.http)", member: member,
                           memberRole: member ? "\(result.member.role)" : nil, reachable: result.report != nil,
                           error: result.error, status: result.report, playback: result.playback,
                           streamName: result.playback?.stream.flatMap { names[$0] })
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(rows)
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(Self.table(gathered.members, others: gathered.others, streamNames: names))
        }
        if !directory.anyAnswered {
            Diagnostics.error(subject: config, reason: directory.noAnswerReason)
            throw ExitCode(CLIFailure.Code.runtimeFailure.rawValue)
        }
        if case .none(let reason) = LeaderAgreement.judge(gathered.members) {
            Diagnostics.error(subject: config, reason: reason)
            throw ExitCode(CLIFailure.Code.runtimeFailure.rawValue)
        }
    }

    /// Every member of `directory` asked (a seed already asked at the same address is not asked again), and
    /// the seeds that answered without being members. Without a member list, the seeds as they are.
    static func gather(_ directory: ClusterDirectory, timeout: Duration, secret: [UInt8]) -> Gathered {
        guard directory.listedBy != nil else { return Gathered(members: directory.seedResults, others: []) }
        var asked: [String: ClusterStatusProbe.Result] = [:]
        for result in directory.seedResults {
            guard let member = directory.members.first(where: { $0.id == result.member.id }), member.http == result.member.http
            else { continue }
            var known = result
            known.member = member
            asked[member.id] = known
        }
        let probed = ClusterStatusProbe.probe(directory.members.filter { asked[$0.id] == nil }, timeout: timeout, secret: secret)
        for result in probed { asked[result.member.id] = result }
        let members = directory.members.compactMap { asked[$0.id] }
        let others = directory.seedResults.filter { seed in
            seed.report != nil && !members.contains { $0.member.id == seed.member.id && $0.member.http == seed.member.http }
        }
        return Gathered(members: members, others: others)
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

    /// The table: a row per member, then a row per node of the file that answered but is not a member (its
    /// notice, or "not a member", in ERROR).
    static func table(
        _ results: [ClusterStatusProbe.Result], others: [ClusterStatusProbe.Result] = [], streamNames: [String: String] = [:]
    ) -> String {
        var rows = [["ID", "ROLE", "TERM", "LEADER", "COMMIT", "APPLIED", "LAST", "HASH", "PLAYING", "SYNC", "HTTP", "ERROR"]]
        for (result, member) in results.map({ ($0, true) }) + others.map({ ($0, false) }) {
            if let r = result.report {
                let (playing, sync) = playbackCells(result.playback, streamNames: streamNames)
                let notice = r.notice.map { UntrustedText.escaped($0) } ?? (member ? "-" : "not a member")
                rows.append([UntrustedText.escaped(r.id), UntrustedText.escaped(r.role), "\(r.term)",
                             r.leader.map { UntrustedText.escaped($0) } ?? "-", "\(r.commitIndex)", "\(r.appliedIndex)",
                             "\(r.lastLogIndex)", UntrustedText.escaped(r.appliedHash), playing, sync, "\(result.member.http)", notice])
            } else {
                rows.append([result.member.id, "UNREACHABLE", "-", "-", "-", "-", "-", "-", "-", "-",
                             "\(result.member.http)", UntrustedText.escaped(result.error ?? "no answer")])
            }
        }
        return TextTable.render(rows)
    }
}
