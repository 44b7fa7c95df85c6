import Foundation
import RaftcastClient

/// `raftcast node --join HOST:HTTPPORT …`: turns what a new machine has — the secret and one member's HTTP
/// address — into a cluster.yaml in its data dir, and adds it to the cluster as a listener:
///
/// 1. `GET /v1/cluster/bootstrap` from the member (admin token): the settings and bootstrap members;
/// 2. `DATA/cluster.yaml.joining`: those, and this node (`role: listener`, `data_dir: .`), checked like any
///    cluster.yaml;
/// 3. `POST /v1/members` (following the member's 307 to the leader): the change commits on every node (a member
///    already added with the same addresses — `raftcast members add ID … [--voter]` first — is taken as done);
/// 4. the file is renamed `DATA/cluster.yaml`, which later starts need (`raftcast node --config
///    DATA/cluster.yaml --id ID`, or `--join` again: an existing file is used as is).
///
/// The node then starts with an empty log, as a learner, and catches up from the leader (the log from index 1
/// or its snapshot). Every failure is one `error:` line: exit 2 for bad input, 1 when the cluster refuses
/// or cannot be reached.
struct NodeJoin {
    var join: String
    var id: String
    var raft: String
    var http: String
    var dataDirectory: String
    var secretFile: String
    var audio: String?
    var timeout: Duration = .seconds(10)

    /// The path of the cluster.yaml to start with (written and added to the cluster first if needed).
    func configPath() throws -> String {
        let cwd = FileManager.default.currentDirectoryPath
        func absolute(_ path: String) -> String { path.hasPrefix("/") ? path : (cwd as NSString).appendingPathComponent(path) }
        let data = absolute(dataDirectory), secretPath = absolute(secretFile)
        let path = (data as NSString).appendingPathComponent("cluster.yaml")
        if FileManager.default.fileExists(atPath: path) {
            Terminal.standardError.writeLine("note: \(path) exists (an earlier --join): starting with it")
            return path
        }
        if case .failure(let error) = MemberAddRequest(id: id, raft: raft, http: http).record() {
            throw CLIFailure.reportingExit(.badInput(UntrustedText.escaped(String(id.prefix(80))), error.reason))
        }
        guard let member = ClusterConfig.parseAddress(join) else {
            throw CLIFailure.reportingExit(.badInput("--join", "\"\(UntrustedText.escaped(String(join.prefix(80))))\" is not host:port"))
        }
        guard let secretBytes = FileManager.default.contents(atPath: secretPath) else {
            throw CLIFailure.reportingExit(.badInput(secretPath, "cannot read the secret file"))
        }
        let secret = Array(String(decoding: secretBytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        let headers = ["Authorization": "Bearer \(AdminToken.token(secret: secret))", "Accept": "application/json"]

        // 1. The settings and bootstrap members.
        let response: HTTPFetch.Response
        do {
            response = try HTTPFetch.request(
                host: member.host, port: member.port, path: "/v1/cluster/bootstrap", headers: headers, timeout: timeout)
        } catch {
            throw CLIFailure.reportingExit(.runtime("--join \(join)", UntrustedText.escaped(error.reason)))
        }
        guard response.status == 200, let bootstrap = try? JSONDecoder().decode(ClusterBootstrap.self, from: Data(response.body)) else {
            throw CLIFailure.reportingExit(Self.refusal(response, subject: "--join \(join)"))
        }
        if bootstrap.nodes.contains(where: { $0.id == id }) {
            throw CLIFailure.reportingExit(.badInput(
                id, "is a bootstrap member of the cluster: start it with the cluster's cluster.yaml, not --join"))
        }

        // 2. The file, checked before anything changes in the cluster.
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let joining = path + ".joining"
        let joiner = ClusterBootstrap.Node(id: id, raft: raft, http: http, role: "listener")
        try bootstrap.yaml(joiner: joiner, secretFile: secretPath, audio: audio).write(toFile: joining, atomically: true, encoding: .utf8)
        _ = try ClusterConfigFile.load(joining)

        // 3. Added as a listener through the member (redirected to the leader).
        let body = (try? JSONEncoder().encode(MemberAddRequest(id: id, raft: raft, http: http, role: "listener"))) ?? Data()
        var target = HTTPLocation(host: member.host, port: member.port, path: "/v1/members")
        var added: HTTPFetch.Response?
        for _ in 0...AdminClient.maxRedirects {
            let answer: HTTPFetch.Response
            do {
                answer = try HTTPFetch.request(
                    host: target.host, port: target.port, method: "POST", path: target.path,
                    headers: headers.merging(["Content-Type": "application/json"]) { $1 }, body: Array(body), timeout: timeout)
            } catch {
                throw CLIFailure.reportingExit(.runtime("--join \(target)", UntrustedText.escaped(error.reason)))
            }
            if answer.status == 307, let location = answer.headers["location"].flatMap(HTTPLocation.init(url:)) {
                target = location
                continue
            }
            added = answer
            break
        }
        guard let added else { throw CLIFailure.reportingExit(.runtime(id, "too many redirects")) }
        var role = "listener"
        if added.status != 201 {
            guard let listed = alreadyAdded(added, via: target, headers: headers) else {
                throw CLIFailure.reportingExit(Self.refusal(added, subject: id))
            }
            role = listed.role == "voter" ? "voter" : "listener"
        }

        // 4. Kept for later starts.
        try FileManager.default.moveItem(atPath: joining, toPath: path)
        Terminal.standardError.writeLine("note: joined the cluster \(UntrustedText.escaped(bootstrap.name)) as \(role) \(id); wrote \(path)")
        return path
    }

    /// The member as the cluster lists it when it was added already with these very addresses: by an earlier
    /// `--join` that stopped before writing the file, or by `raftcast members add ID … [--voter]` before this
    /// start (a voter then: it joins as a learner and votes once it applies its own addition).
    private func alreadyAdded(_ answer: HTTPFetch.Response, via target: HTTPLocation, headers: [String: String]) -> MemberList.Member? {
        guard answer.status == 409, HTTPProblem(response: answer)?.slug == "member-taken",
            let listed = try? HTTPFetch.request(host: target.host, port: target.port, path: "/v1/members", headers: headers, timeout: timeout),
            let list = try? JSONDecoder().decode(MemberList.self, from: Data(listed.body))
        else { return nil }
        return list.members.first { $0.id == id && $0.raft == raft && $0.http == http }
    }

    /// The CLI failure of an answer that is not the one hoped for: 401 and 400 are bad input (2), the rest 1.
    static func refusal(_ response: HTTPFetch.Response, subject: String) -> CLIFailure {
        let problem = HTTPProblem(response: response)
        let detail = UntrustedText.escaped(problem?.detail ?? "HTTP \(response.status)")
        switch response.status {
        case 401: return .badInput(subject, "the member refused the admin token: is --secret-file the cluster's secret? (\(detail))")
        case 400: return .badInput(subject, detail)
        default: return .runtime(subject, detail)
        }
    }
}
