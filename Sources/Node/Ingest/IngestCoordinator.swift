import Broadcast
import Foundation
import Media
import Raft
import RaftcastClient

/// The leader's running ingests, owned and driven by the ``RaftLoop`` thread: one ``IngestSession`` per
/// stream, fed with what the log commits, proposing straight into the core. The loop only reports what
/// happened; every ingest decision is made here.
///
/// - ``start(_:catalogue:)`` opens the file and starts (or resumes, or joins) a session;
/// - ``drive(appliedIndex:catalogue:now:propose:)`` resumes library streams once this leader's first entry
///   is applied, then runs every session until it waits (budget, pacing) or ends (``pump(now:propose:)``);
/// - ``committed(_:catalogue:now:)`` hands every committed catalogue change to every session and removes
///   the uploads of streams that are over;
/// - ``leadershipGained(firstIndex:)`` and ``leadershipLost(leader:)`` follow the node's role; losing it
///   stops every session (the next leader resumes: the client re-posts an upload, and
///   ``resumeFromLibrary(catalogue:)`` restarts streams whose source is in the media library by itself).
///
/// Not `Sendable`: sessions hold their fragment sources; one thread drives it.
final class IngestCoordinator {
    private struct Running {
        var session: IngestSession
        var request: IngestRequest
    }

    /// Live ingest: a fragment is committed no earlier than this before it plays.
    static let pacedLead: Duration = .seconds(6)

    private var running: [StreamID: Running] = [:]
    /// The last status of every stream this node ingested (for the HTTP API).
    private(set) var statuses: [StreamID: IngestStatus] = [:]
    /// Streams the library cannot resume (no matching file): not retried until leadership changes.
    private var notInLibrary: Set<StreamID> = []
    private let playoutDelay: Duration
    private let maxUncommittedBytes: Int
    private let library: MediaLibrary?
    /// Where the HTTP API stores uploads (`<id>.upload`); nil when nothing is uploaded here.
    private let uploadDirectory: String?
    private let onMessage: (String) -> Void
    /// While leading: the index of this term's first entry; library streams resume once it is applied.
    private var leaderTermStart: UInt64?

    /// A coordinator; `onMessage` hears one line per session start and stop (the node logs it). Uploads in
    /// `uploadDirectory` are removed once their stream is over.
    init(
        playoutDelay: Duration, maxUncommittedBytes: Int, library: MediaLibrary?, uploadDirectory: String? = nil,
        onMessage: @escaping (String) -> Void
    ) {
        self.playoutDelay = playoutDelay
        self.maxUncommittedBytes = maxUncommittedBytes
        self.library = library
        self.uploadDirectory = uploadDirectory
        self.onMessage = onMessage
    }

    /// This node leads from now on; its term's first entry is at `firstIndex`. (Nothing when it already led.)
    func leadershipGained(firstIndex: UInt64) {
        if leaderTermStart == nil { leaderTermStart = firstIndex }
    }

    /// On the leader: resumes the library's unfinished streams once this term's first entry is applied
    /// (`appliedIndex`), then runs the sessions (``pump(now:propose:)``). Returns true when something was
    /// proposed.
    func drive(
        appliedIndex: UInt64, catalogue: Catalogue, now: ClusterTime, propose: ([UInt8]) -> Result<UInt64, ProposalError>
    ) -> Bool {
        if let start = leaderTermStart, appliedIndex >= start { resumeFromLibrary(catalogue: catalogue) }
        guard isActive else { return false }
        var proposed = false
        pump(now: now) { payload in
            let result = propose(payload)
            if case .success = result { proposed = true }
            return result
        }
        return proposed
    }

    /// Hands committed changes to the sessions (when cluster time is known), and removes the upload of
    /// every stream that ended, failed or was removed.
    func committed(_ changes: [CatalogueChange], catalogue: Catalogue, now: ClusterTime?) {
        if let now { applied(changes, catalogue: catalogue, now: now) }
        guard let uploadDirectory else { return }
        for change in changes {
            switch change.event {
            case .streamEnded(let id, _), .streamRemoved(let id), .streamFailed(let id, _, _):
                let path = (uploadDirectory as NSString).appendingPathComponent("\(id).upload")
                try? FileManager.default.removeItem(atPath: path)
            default: break
            }
        }
    }

    /// True when a session runs.
    var isActive: Bool { !running.isEmpty }

    /// Starts ingesting `request` on this leader.
    func start(_ request: IngestRequest, catalogue: Catalogue) -> IngestStartResult {
        let id = request.streamID
        if catalogue.removedStreams.contains(id) { return .conflict("stream \(id) was removed") }
        if let existing = catalogue.stream(id) {
            guard existing.start.source == request.source, existing.start.name == request.name,
                existing.start.isPaced == request.isPaced, existing.start.fragmentSeconds == request.fragmentSeconds
            else {
                return .conflict("stream \(id) exists with another source, name or pacing")
            }
            if existing.hasEnded { return .alreadyComplete }
            if let reason = existing.failureReason {
                return .conflict("stream \(id) failed: \(reason)")
            }
        }
        if let current = running[id] {
            return current.request.source == request.source
                ? .started : .conflict("stream \(id) is being ingested from another source")
        }
        let fragments: Fragmenter
        do {
            fragments = try MediaSource(path: request.path).fragments(targetSeconds: request.fragmentSeconds)
        } catch {
            return .failed(error.reason)
        }
        let configuration = IngestConfiguration(
            maxUncommittedBytes: maxUncommittedBytes, playoutDelay: playoutDelay,
            lead: request.isPaced ? Self.pacedLead : nil)
        let session = IngestSession(
            stream: id, name: request.name, source: request.source, fragmentSeconds: request.fragmentSeconds,
            expectedFragmentCount: request.expectedFragmentCount, fragments: fragments, catalogue: catalogue,
            configuration: configuration, interruptsProgramme: request.interruptsProgramme)
        running[id] = Running(session: session, request: request)
        statuses[id] = IngestStatus(
            active: true, error: nil, committedFragments: catalogue.stream(id)?.fragments.count ?? 0,
            totalFragments: request.expectedFragmentCount, bytesPerSecond: nil)
        notInLibrary.remove(id)
        onMessage(
            "ingest of stream \(id) (\(request.source.fileName)) started at fragment "
                + "\(catalogue.firstMissingFragment(of: id) ?? 0) of \(request.expectedFragmentCount)")
        return .started
    }

    /// Runs every session until it waits or ends; `propose` hands a payload to the Raft core.
    func pump(now: ClusterTime, propose: ([UInt8]) -> Result<UInt64, ProposalError>) {
        for id in running.keys.sorted() {
            guard var current = running[id] else { continue }
            var ended = false
            var failure: IngestFailure?
            actions: for _ in 0..<10_000 {
                switch current.session.next(now: now) {
                case .propose(let payload, _):
                    switch propose(payload) {
                    case .success: break
                    case .failure(.notLeader(let leader)):
                        current.session.handle(.proposalRejected(.notLeader(leader: leader)), at: now)
                    case .failure:
                        current.session.handle(.proposalRejected(.busy), at: now)
                    }
                case .wait:
                    break actions
                case .done:
                    ended = true
                    break actions
                case .failed(let reason):
                    (ended, failure) = (true, reason)
                    break actions
                }
            }
            updateStatus(current, now: now)
            if ended {
                finish(current, failure: failure)
            } else {
                running[id] = current
            }
        }
    }

    /// Hands committed catalogue changes to every session.
    func applied(_ changes: [CatalogueChange], catalogue: Catalogue, now: ClusterTime) {
        guard !running.isEmpty else { return }
        for change in changes {
            for id in running.keys { running[id]!.session.handle(.applied(change.event, catalogue: catalogue), at: now) }
        }
    }

    /// Stops every session: this node is no longer the leader.
    func leadershipLost(leader: NodeID?) {
        for current in running.values {
            var session = current.session
            session.handle(.leadershipLost(leader: leader), at: .zero)
            finish(current, failure: .leadershipLost(leader: leader))
        }
        running = [:]
        notInLibrary = []
        leaderTermStart = nil
    }

    /// Starts sessions for streams that are not complete, not being ingested, and whose source is in the
    /// media library (a new leader taking over a broadcast).
    func resumeFromLibrary(catalogue: Catalogue) {
        guard let library else { return }
        for stream in catalogue.streams where !stream.hasEnded && running[stream.id] == nil {
            guard !notInLibrary.contains(stream.id) else { continue }
            guard let path = library.file(matching: stream.start.source) else {
                notInLibrary.insert(stream.id)
                continue
            }
            let request = IngestRequest(
                streamID: stream.id, name: stream.start.name, path: path, source: stream.start.source,
                fragmentSeconds: stream.start.fragmentSeconds,
                expectedFragmentCount: stream.start.expectedFragmentCount ?? 0, isPaced: stream.start.isPaced,
                isUpload: false)
            if case .failed(let reason) = start(request, catalogue: catalogue) {
                notInLibrary.insert(stream.id)
                onMessage("cannot resume stream \(stream.id) from \(path): \(reason)")
            }
        }
    }

    private func updateStatus(_ current: Running, now: ClusterTime) {
        let progress = current.session.progress(at: now)
        statuses[current.request.streamID] = IngestStatus(
            active: true, error: nil, committedFragments: progress.committedFragments,
            totalFragments: progress.totalFragments ?? current.request.expectedFragmentCount,
            bytesPerSecond: progress.bytesPerSecond)
    }

    private func finish(_ current: Running, failure: IngestFailure?) {
        let id = current.request.streamID
        running[id] = nil
        var status = statuses[id] ?? IngestStatus(
            active: false, error: nil, committedFragments: 0, totalFragments: current.request.expectedFragmentCount,
            bytesPerSecond: nil)
        status.active = false
        status.error = failure.map { "\($0)" }
        statuses[id] = status
        onMessage(
            "ingest of stream \(id) "
                + (failure.map { "stopped: \($0)" } ?? "complete: \(status.committedFragments) fragments"))
    }
}
