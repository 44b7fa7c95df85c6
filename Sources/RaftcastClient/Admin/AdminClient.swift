import Foundation

/// The client side of the cluster's admin calls (`raftcast queue`, `skip`, `stop`, `streams`, `members`):
/// sends one request with the admin token to ``targets`` in their order (cluster.yaml's, or with
/// ``init(discovering:timeout:)`` the cluster's current members, leader first: ``ClusterDirectory``), follows
/// a follower's 307 to the leader, and moves on to the next member when one does not answer or knows no
/// leader. Blocking (``HTTPFetch``); one request at a time.
///
/// A write is never sent twice once a node has received it: when the connection breaks after the
/// request went out (the node may have proposed it), the call fails instead of trying the next member,
/// so a `skip` cannot skip two items. Reads are tried on every member.
public struct AdminClient: Sendable {
    /// Why a call gave no usable answer.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// No node answered (``ClusterStatusProbe/noNodeAnswered(tried:)``), or a write's answer was lost.
        case unavailable(String)
        /// The cluster answered with an error (problem+json): 4xx refusals, 503 without leader or quorum.
        case refused(HTTPProblem)
        /// A 2xx answer whose body is not what the API documents.
        case unreadable(String)

        public var description: String {
            switch self {
            case .unavailable(let reason): reason
            case .refused(let problem): problem.description
            case .unreadable(let reason): reason
            }
        }
    }

    /// Redirects followed for one request.
    public static let maxRedirects = 4
    /// Problem slugs of a node that cannot take a write now but where another member may: nothing was
    /// proposed, so trying the next member is safe.
    static let tryNextSlugs: Set<String> = ["no-leader", "unsynchronized"]

    public let cluster: ClusterConfig
    /// The members a request tries, in order.
    public var targets: [ClusterConfig.Member]
    /// Bound of each request (connect, send, answer); writes wait for a commit (up to 5 s on the server).
    public var timeout: Duration
    let token: String

    /// A client of `cluster` (its secret makes the token), each request bounded by `timeout`.
    public init(cluster: ClusterConfig, timeout: Duration = .seconds(10)) {
        self.cluster = cluster
        self.targets = cluster.nodes
        self.timeout = timeout
        self.token = AdminToken.token(secret: cluster.secret)
    }

    /// Longest wait for each member's answer while the directory is found.
    public static let discoveryTimeout: Duration = .seconds(2)

    /// A client of the cluster's current members: ``ClusterDirectory/discover(seeds:secret:timeout:playback:)``
    /// through cluster.yaml's members (each within `timeout`, at most ``discoveryTimeout``), the leader
    /// first. When no node lists the members (none answers, a refused token), cluster.yaml's members in
    /// their order, as ``init(cluster:timeout:)``: the call then fails as it would have.
    public init(discovering cluster: ClusterConfig, timeout: Duration = .seconds(10)) {
        self.init(cluster: cluster, timeout: timeout)
        let directory = ClusterDirectory.discover(
            seeds: cluster.nodes, secret: cluster.secret, timeout: min(timeout, Self.discoveryTimeout))
        if directory.listedBy != nil { targets = directory.targets }
    }

    /// Sends `method path` (with `body` as JSON) and returns the first answer that is neither a redirect
    /// nor a "try elsewhere" 503; when every member fails, the last such 503 as ``Failure/refused(_:)``,
    /// else ``Failure/unavailable(_:)`` naming the first node's error.
    public func send(_ method: String, _ path: String, json body: [UInt8]? = nil) throws(Failure) -> HTTPFetch.Response {
        var headers = ["Authorization": "Bearer \(token)", "Accept": "application/json"]
        if body != nil { headers["Content-Type"] = "application/json" }
        var tried: [(member: ClusterConfig.Member, error: String)] = []
        var lastRefusal: HTTPProblem?
        members: for member in targets {
            var target = HTTPLocation(host: member.http.host, port: member.http.port, path: path)
            for _ in 0...Self.maxRedirects {
                let response: HTTPFetch.Response
                do {
                    response = try HTTPFetch.request(
                        host: target.host, port: target.port, method: method, path: target.path, headers: headers,
                        body: body ?? [], timeout: timeout)
                } catch {
                    let via = target.host == member.http.host && target.port == member.http.port ? "" : "\(target): "
                    if method != "GET" && !Self.neverConnected(error) {
                        throw .unavailable("\(member.id) (\(target)): \(error.reason); the change may still take effect")
                    }
                    tried.append((member, via + error.reason))
                    continue members
                }
                switch response.status {
                case 301, 302, 303, 307, 308:
                    guard let location = response.headers["location"].flatMap(HTTPLocation.init(url:)) else {
                        tried.append((member, "a \(response.status) without a usable Location header"))
                        continue members
                    }
                    target = location
                case 503:
                    let problem = HTTPProblem(response: response)
                        ?? HTTPProblem(type: "about:blank", title: "HTTP 503", status: 503, detail: "HTTP 503")
                    guard Self.tryNextSlugs.contains(problem.slug) else { return response }
                    lastRefusal = problem
                    tried.append((member, problem.description))
                    continue members
                default:
                    return response
                }
            }
            tried.append((member, "more than \(Self.maxRedirects) redirects"))
        }
        if let lastRefusal { throw .refused(lastRefusal) }
        throw .unavailable(ClusterStatusProbe.noNodeAnswered(tried: tried))
    }

    /// Sends `method path` and decodes a 2xx answer as `T`; any other answer is ``Failure/refused(_:)``.
    public func call<T: Decodable>(_ method: String, _ path: String, json body: [UInt8]? = nil, as type: T.Type) throws(Failure) -> T {
        let response = try send(method, path, json: body)
        guard (200..<300).contains(response.status) else {
            throw .refused(
                HTTPProblem(response: response)
                    ?? HTTPProblem(type: "about:blank", title: "unexpected answer", status: response.status, detail: "HTTP \(response.status)"))
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(response.body))
        } catch {
            throw .unreadable("\(method) \(path) answered \(response.status) with an unreadable body: \(response.text.prefix(200))")
        }
    }

    /// Whether `failure` happened before the request could reach the node (nothing was sent).
    static func neverConnected(_ failure: HTTPFetch.Failure) -> Bool {
        failure.reason.hasPrefix("cannot connect") || failure.reason.hasPrefix("cannot resolve")
    }

    /// `text` as the API writes a stream id (16 lowercase hex digits), nil unless it is 16 hex digits.
    public static func streamID(_ text: String) -> String? {
        guard text.utf8.count == 16, text.allSatisfy(\.isHexDigit) else { return nil }
        return text.lowercased()
    }
}
