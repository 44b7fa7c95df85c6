import Foundation
import Transport

/// The cluster's current members as the cluster itself lists them (its replicated member directory,
/// `GET /v1/members`), found through the few members a client already knows: cluster.yaml's `nodes`.
///
/// cluster.yaml only bootstraps the membership (docs/members.md): a node added later is not in a user's
/// file, and the file's members may since have been removed or died. ``discover(seeds:secret:timeout:playback:)``
/// asks every seed for `GET /v1/cluster` at once, then takes `GET /v1/members` from the leader they name
/// (else from the first seed that answered and lists itself), and the clients (`raftcast status`, the admin
/// commands, `raftcast ingest`) use that list — ids, roles, Raft and HTTP addresses — for the rest. When no
/// node lists its members (none answered, an older node, a refused token), ``members`` are the seeds, as
/// before the directory existed.
///
/// The list is hostile input: every id, address and role is checked as cluster.yaml checks them, and a list
/// with a bad entry, a duplicate id or more than ``maxMembers`` members is not used.
public struct ClusterDirectory: Sendable {
    /// The most members a list may name to be used.
    public static let maxMembers = 256

    /// The current members in the directory's order (by id), with their directory roles; the seeds when no
    /// node listed them (``listedBy`` nil). A member's `audioDevice` and `dataDirectory` are unknown (nil, "").
    public var members: [ClusterConfig.Member]
    /// The node whose `GET /v1/members` gave ``members``; nil when none did.
    public var listedBy: String?
    /// The seeds' answers to `GET /v1/cluster` (with what they play when asked for it), in the seeds' order.
    public var seedResults: [ClusterStatusProbe.Result]
    /// The leader the seeds name (``ClusterStatusProbe/leader(in:members:)``), its HTTP address from
    /// ``members``; nil when no answering seed knows one.
    public var leader: ClusterStatusProbe.Leader?

    /// A directory from its parts.
    public init(
        members: [ClusterConfig.Member], listedBy: String?, seedResults: [ClusterStatusProbe.Result],
        leader: ClusterStatusProbe.Leader?
    ) {
        self.members = members
        self.listedBy = listedBy
        self.seedResults = seedResults
        self.leader = leader
    }

    /// Whether any seed answered `GET /v1/cluster`.
    public var anyAnswered: Bool { seedResults.contains { $0.report != nil } }

    /// ``ClusterStatusProbe/noNodeAnswered(tried:)`` for the seeds.
    public var noAnswerReason: String {
        ClusterStatusProbe.noNodeAnswered(tried: seedResults.map { ($0.member, $0.error ?? "no answer") })
    }

    /// The members in the order a request should try them: the leader first, then the others in ``members``'
    /// order.
    public var targets: [ClusterConfig.Member] {
        guard let leader, let first = members.first(where: { $0.id == leader.id }) else { return members }
        return [first] + members.filter { $0.id != leader.id }
    }

    /// Finds the directory through `seeds` (each request within `timeout`, the seeds asked at once; with
    /// `secret`, requests carry the admin token). With `playback`, the seeds' results include what they play
    /// (`raftcast status` shows it).
    public static func discover(
        seeds: [ClusterConfig.Member], secret: [UInt8]?, timeout: Duration, playback: Bool = false
    ) -> ClusterDirectory {
        let results = ClusterStatusProbe.probe(seeds, timeout: timeout, secret: secret, playback: playback)
        var sources: [PeerAddress] = []
        if let leader = ClusterStatusProbe.leader(in: results, members: seeds) {
            sources.append(PeerAddress(host: leader.http.host, port: leader.http.port))
        }
        // A node that applied its own removal lists the others but not itself: its list is not asked for.
        for result in results where result.report != nil && result.report?.role != "removed" {
            sources.append(result.member.http)
        }
        var asked: Set<PeerAddress> = []
        let headers = (secret.map { ["Authorization": "Bearer \(AdminToken.token(secret: $0))"] } ?? [:])
            .merging(["Accept": "application/json"]) { $1 }
        for source in sources where asked.insert(source).inserted {
            guard let response = try? HTTPFetch.request(
                host: source.host, port: source.port, path: "/v1/members", headers: headers, timeout: timeout),
                response.status == 200,
                let list = try? JSONDecoder().decode(MemberList.self, from: Data(response.body)),
                let lister = list.members.first(where: \.isSelf),
                let members = Self.members(of: list)
            else { continue }
            return ClusterDirectory(
                members: members, listedBy: lister.id, seedResults: results,
                leader: ClusterStatusProbe.leader(in: results, members: members))
        }
        return ClusterDirectory(
            members: seeds, listedBy: nil, seedResults: results, leader: ClusterStatusProbe.leader(in: results, members: seeds))
    }

    /// `list`'s members as cluster.yaml members, or nil when the list is not usable: empty, over
    /// ``maxMembers``, a duplicate id, or an id, address or role cluster.yaml would refuse.
    public static func members(of list: MemberList) -> [ClusterConfig.Member]? {
        guard !list.members.isEmpty, list.members.count <= maxMembers else { return nil }
        var members: [ClusterConfig.Member] = []
        var ids: Set<String> = []
        for entry in list.members {
            guard ClusterConfigParser.isValidID(entry.id), ids.insert(entry.id).inserted,
                let raft = ClusterConfig.parseAddress(entry.raft), let http = ClusterConfig.parseAddress(entry.http),
                let role = MemberRole(name: entry.role)
            else { return nil }
            members.append(ClusterConfig.Member(id: entry.id, raft: raft, http: http, audioDevice: nil, dataDirectory: "", role: role))
        }
        return members
    }
}
