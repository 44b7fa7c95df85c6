import Foundation

/// The client side of `raftcast ingest`: finds the leader through any node of cluster.yaml (and, once a node
/// has listed them, of the cluster's current members: ``ClusterDirectory``), POSTs the
/// stream (uploading the file, or naming a library file) to `/v1/streams` and follows 307s, then polls
/// `GET /v1/streams/{id}` until the stream has ended with every fragment committed.
///
/// It survives leader changes: on a lost connection, a 5xx answer (507 included: a leader whose disk
/// is full), or a leader whose ingest session stopped, it finds the leader again and re-POSTs the same
/// stream id, which the cluster treats as a resume from the first fragment not committed
/// (docs/openapi.yaml), pausing longer after each failure in a row (``retryDelay(afterFailures:)``).
/// It gives up with ``Failure/unavailable(_:)`` when `attemptTimeout` passes without progress (no
/// leader, no quorum, no room), and with ``Failure/rejected(_:)`` at once on a 4xx answer (bad media,
/// too large, a bad name, conflict, token) or when the stream turns `failed` (the catalogue refused one
/// of its fragments: a retry cannot help).
///
/// Blocking (it sleeps between polls); run it on a thread of its own. Time is injected (`now`, `sleep`).
/// Not `Sendable` on purpose: one thread runs it, and its event handler is called on that thread.
public final class IngestClient {
    /// What to ingest.
    public struct Request: Sendable, Hashable {
        /// Where the media comes from.
        public enum Media: Sendable, Hashable {
            /// A local file, uploaded as the request body.
            case upload(path: String)
            /// A file of the cluster's media library (`media_dir`), named relative to it.
            case library(String)
        }

        public var media: Media
        /// 16 lowercase hex digits; the same id on every retry makes the retries idempotent.
        public var streamID: String
        /// The display name (nil: the server's default, the file name).
        public var name: String?
        /// Commit as fast as the cluster can instead of at playback speed.
        public var fast: Bool
        /// Interrupt the programme (the playing item ends at its next fragment boundary) instead of
        /// joining the end of the queue.
        public var now: Bool

        /// A request with every field given.
        public init(media: Media, streamID: String, name: String?, fast: Bool, now: Bool = false) {
            self.now = now
            self.media = media
            self.streamID = streamID
            self.name = name
            self.fast = fast
        }
    }

    /// What happens, in order, for progress output.
    public enum Event: Sendable {
        /// The leader was found (again).
        case leader(ClusterStatusProbe.Leader)
        /// Upload progress: body bytes sent of the file's size.
        case uploading(sent: Int, of: Int)
        /// The cluster accepted the stream (202), or had it complete already (200).
        case accepted(totalFragments: Int, alreadyComplete: Bool)
        /// A poll of the stream.
        case progress(StreamResource)
        /// Something failed and the client tries again.
        case retrying(reason: String)
    }

    /// Why the ingest did not complete.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// The cluster refused the request (4xx): bad media, too large, unknown library file, an id
        /// conflict or a wrong token. Retrying cannot help.
        case rejected(HTTPProblem)
        /// No leader, no quorum or no progress within the attempt timeout; the reason is the last failure seen.
        case unavailable(String)

        public var description: String {
            switch self {
            case .rejected(let problem): problem.description
            case .unavailable(let reason): reason
            }
        }
    }

    /// The completed stream.
    public struct Outcome: Sendable {
        /// The last poll: state "ended", every fragment committed (fewer when the queue ended it early:
        /// ``endedEarly``).
        public var stream: StreamResource
        /// Fragments the file is cut into.
        public var totalFragments: Int
        /// POSTs made (1 without leader changes).
        public var posts: Int

        /// The stream ended before every fragment of the file was committed: the queue skipped, stopped or
        /// removed it while it was ingested, and the rest would never play.
        public var endedEarly: Bool { stream.committedFragments < totalFragments }
    }

    /// Pause between two polls of the stream.
    public static let pollInterval: Duration = .milliseconds(100)
    /// Pause before trying again after a first failure; it doubles with every further failure in a row
    /// (a leader with a full disk, no leader for a while) up to ``maxRetryInterval``, and is back to this
    /// after any progress. Never beyond the attempt's deadline.
    public static let retryInterval: Duration = .milliseconds(200)
    /// Longest pause between two attempts.
    public static let maxRetryInterval: Duration = .seconds(2)
    /// How long after a 202 the accepting node may still answer 404 (its start entry not committed yet) or
    /// show no active session (its status not yet published) before the client posts again.
    public static let startGrace: Duration = .seconds(3)
    /// Redirects followed for one POST.
    public static let maxRedirects = 4

    private let cluster: ClusterConfig
    private let request: Request
    private let attemptTimeout: Duration
    private let token: String
    private let now: () -> ContinuousClock.Instant
    private let sleep: (Duration) -> Void
    private let onEvent: (Event) -> Void

    /// A client for `request` against `cluster`, giving up after `attemptTimeout` without progress;
    /// `now` and `sleep` default to the monotonic clock and a thread sleep.
    public init(
        cluster: ClusterConfig, request: Request, attemptTimeout: Duration,
        now: @escaping () -> ContinuousClock.Instant = { ContinuousClock.now },
        sleep: ((Duration) -> Void)? = nil,
        onEvent: @escaping (Event) -> Void = { _ in }
    ) {
        self.cluster = cluster
        self.request = request
        self.attemptTimeout = attemptTimeout
        self.token = AdminToken.token(secret: cluster.secret)
        self.now = now
        self.sleep = sleep ?? { duration in Thread.sleep(forTimeInterval: Self.seconds(duration)) }
        self.onEvent = onEvent
    }

    /// Why `results` name no leader: no node answered at all (with the first node's error), or the nodes
    /// that answered know none.
    static func noLeaderReason(_ results: [ClusterStatusProbe.Result]) -> String {
        let answered = results.filter { $0.report != nil }.count
        guard answered > 0 else {
            return ClusterStatusProbe.noNodeAnswered(tried: results.map { ($0.member, $0.error ?? "no answer") })
        }
        return "no leader known to any node (\(answered) of \(results.count) answered)"
    }

    /// Runs the ingest to the end.
    public func run() throws(Failure) -> Outcome {
        var deadline = now() + attemptTimeout
        var lastFailure = "no node of the cluster answered"
        var posts = 0
        var mostCommitted = -1
        var failuresInARow = 0
        var known: [ClusterConfig.Member] = []
        func retry(_ reason: String) {
            lastFailure = reason
            onEvent(.retrying(reason: reason))
            sleep(min(Self.retryDelay(afterFailures: failuresInARow), max(.zero, deadline - now())))
            failuresInARow += 1
        }
        while true {
            guard now() < deadline else {
                throw .unavailable("no progress within \(Self.seconds(attemptTimeout)) s: \(lastFailure)")
            }
            let probeTimeout = min(Duration.seconds(1), max(.milliseconds(100), deadline - now()))
            // The members the cluster listed last time first, then the file's (members may come and go meanwhile).
            let seeds = known + cluster.nodes.filter { node in !known.contains { $0.id == node.id && $0.http == node.http } }
            let directory = ClusterDirectory.discover(seeds: seeds, secret: cluster.secret, timeout: probeTimeout)
            if directory.listedBy != nil { known = directory.members }
            guard let leader = directory.leader else {
                retry(Self.noLeaderReason(directory.seedResults))
                continue
            }
            onEvent(.leader(leader))
            posts += 1
            let node: HTTPLocation
            let totalFragments: Int
            switch post(to: leader.http) {
            case .success(let answer):
                (node, totalFragments) = answer
                deadline = now() + attemptTimeout
                failuresInARow = 0
            case .failure(.rejected(let problem)):
                throw .rejected(problem)
            case .failure(.unavailable(let reason)):
                retry("\(leader.id): \(reason)")
                continue
            }
            // Poll the node that accepted the stream until it ends, or until that node stops ingesting it
            // (leadership lost, a failure) or stops answering: then find the leader again and re-POST.
            // A 404 right after the 202 means the stream's start is not committed yet: wait up to
            // `startGrace`, then post again (the node may have lost its leadership before committing it).
            let startDeadline = now() + Self.startGrace
            polling: while now() < deadline {
                switch poll(node) {
                case .failure(let failure):
                    lastFailure = "\(leader.id): \(failure.reason)"
                    if failure.notFound && now() < startDeadline { break }
                    break polling
                case .success(let status):
                    onEvent(.progress(status))
                    if status.committedFragments > mostCommitted {
                        mostCommitted = status.committedFragments
                        deadline = now() + attemptTimeout
                        failuresInARow = 0
                    }
                    // Ended: complete, or ended early because the programme will not play the rest (it
                    // was skipped, stopped or taken out of the queue while it was ingested).
                    if status.state == "ended" {
                        return Outcome(stream: status, totalFragments: totalFragments, posts: posts)
                    }
                    if status.state == "failed" {
                        // The catalogue failed the stream on every node: posting it again cannot help.
                        throw .rejected(
                            HTTPProblem(
                                type: HTTPProblem.typePrefix + "stream-failed", title: "Unprocessable Content", status: 422,
                                detail: "stream \(status.id) failed: \(status.failure ?? "no reason given")"))
                    }
                    // Just after the 202 a node may not show its new session yet: believe "inactive" after the grace.
                    if !status.ingest.active && status.state != "ended" && now() >= startDeadline {
                        lastFailure = "\(leader.id) stopped ingesting: \(status.ingest.error ?? "no longer the leader")"
                        break polling
                    }
                }
                sleep(Self.pollInterval)
            }
            retry(lastFailure)
        }
    }

    /// POSTs the stream to `leader`, following redirects; the node that accepted it and the fragment total.
    private func post(to leader: HTTPLocation) -> Result<(HTTPLocation, Int), Failure> {
        var target = HTTPLocation(host: leader.host, port: leader.port, path: postPath)
        for _ in 0...Self.maxRedirects {
            let response: HTTPFetch.Response
            do {
                response = try send(to: target)
            } catch {
                return .failure(.unavailable(error.reason))
            }
            switch response.status {
            case 200, 202:
                guard let accepted = try? JSONDecoder().decode(Accepted.self, from: Data(response.body)) else {
                    return .failure(.unavailable("\(target.host):\(target.port) answered \(response.status) without a stream: \(response.text.prefix(200))"))
                }
                onEvent(.accepted(totalFragments: accepted.totalFragments, alreadyComplete: response.status == 200))
                return .success((target, accepted.totalFragments))
            case 301, 302, 303, 307, 308:
                guard let location = response.headers["location"].flatMap(HTTPLocation.init(url:)) else {
                    return .failure(.unavailable("a \(response.status) without a usable Location header"))
                }
                target = location
            default:
                let problem = HTTPProblem(response: response)
                    ?? HTTPProblem(type: "about:blank", title: "unexpected answer", status: response.status, detail: "HTTP \(response.status)")
                // 4xx: the request itself is refused; 5xx (no leader, no quorum, leadership lost): try again.
                return response.status < 500 ? .failure(.rejected(problem)) : .failure(.unavailable(problem.description))
            }
        }
        return .failure(.unavailable("more than \(Self.maxRedirects) redirects"))
    }

    /// One POST of the request to `target`.
    private func send(to target: HTTPLocation) throws(HTTPFetch.Failure) -> HTTPFetch.Response {
        let authorization = "Bearer \(token)"
        switch request.media {
        case .upload(let path):
            let size = Self.fileSize(path)
            return try HTTPFetch.upload(
                host: target.host, port: target.port, path: target.path,
                headers: ["Authorization": authorization, "Content-Type": "application/octet-stream"],
                file: path, timeout: max(attemptTimeout, .seconds(5))
            ) { [onEvent] sent in
                onEvent(.uploading(sent: sent, of: size))
            }
        case .library(let media):
            var body: [String: Any] = ["media": media, "id": request.streamID, "fast": request.fast, "now": request.now]
            if let name = request.name { body["name"] = name }
            let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
            return try HTTPFetch.request(
                host: target.host, port: target.port, method: "POST", path: target.path,
                headers: ["Authorization": authorization, "Content-Type": "application/json"],
                body: Array(data), timeout: max(attemptTimeout, .seconds(5)))
        }
    }

    /// GET /v1/streams/{id} on `node`.
    private func poll(_ node: HTTPLocation) -> Result<StreamResource, PollFailure> {
        do {
            let response = try HTTPFetch.request(
                host: node.host, port: node.port, path: "/v1/streams/\(request.streamID)",
                headers: ["Authorization": "Bearer \(token)"], timeout: .seconds(2))
            guard response.status == 200 else {
                return .failure(PollFailure(
                    reason: HTTPProblem(response: response)?.description ?? "HTTP \(response.status)",
                    notFound: response.status == 404))
            }
            do {
                return .success(try JSONDecoder().decode(StreamResource.self, from: Data(response.body)))
            } catch {
                return .failure(PollFailure(reason: "unreadable stream status: \(error)"))
            }
        } catch {
            return .failure(PollFailure(reason: error.reason))
        }
    }

    private struct PollFailure: Error {
        var reason: String
        var notFound = false
    }

    /// The pause after `failures` earlier failures in a row: ``retryInterval`` doubled that many times,
    /// at most ``maxRetryInterval``.
    public static func retryDelay(afterFailures failures: Int) -> Duration {
        var delay = retryInterval
        for _ in 0..<min(max(0, failures), 16) where delay < maxRetryInterval { delay *= 2 }
        return min(delay, maxRetryInterval)
    }

    /// The `POST /v1/streams` path and query of the request.
    var postPath: String {
        guard case .upload(let path) = request.media else { return "/v1/streams" }
        let fileName = URL(fileURLWithPath: path).lastPathComponent
        var query = [("id", request.streamID), ("fast", request.fast ? "1" : "0"), ("now", request.now ? "1" : "0"), ("filename", fileName)]
        if let name = request.name { query.append(("name", name)) }
        return "/v1/streams?" + query.map { "\($0)=\(Self.percentEncoded($1))" }.joined(separator: "&")
    }

    /// The answer of an accepted POST.
    private struct Accepted: Decodable {
        var id: String
        var totalFragments: Int

        enum CodingKeys: String, CodingKey {
            case id
            case totalFragments = "total_fragments"
        }
    }

    /// `text` with everything but unreserved characters (RFC 3986) percent-encoded.
    static func percentEncoded(_ text: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    private static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// `duration` in seconds.
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

extension IngestClient {
    /// A stream id as the API writes it: 16 lowercase hex digits.
    public static func streamID(_ value: UInt64) -> String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
