/// Which finished streams the cluster no longer keeps: a pure function of the catalogue, cluster time and
/// the streams someone still needs (docs/catalogue.md, "Retention").
///
///     let policy = RetentionPolicy(keepStreams: 100, keepAge: .seconds(24 * 3600))
///     for removal in policy.removals(in: catalogue, now: clusterNow, protected: queued) {
///         propose(CatalogueEntry.streamRemoved(stream: removal.stream).encoded())
///     }
///
/// Only finished streams (ended or failed) are candidates, in the catalogue's order (the order their starts
/// were committed). A stream is a candidate when either rule says so:
/// - **count**: it is not among the newest ``keepStreams`` finished streams;
/// - **age**: its playout ended (its start on the cluster timeline plus its duration) more than ``keepAge``
///   ago.
///
/// Never returned: a live stream, a stream whose playout is not over by ``playoutMargin`` (it may still
/// be playing on some node), and any id in `protected` (the queue's playing and upcoming items).
/// Nothing in it depends on which node evaluates it, but only the leader acts on it.
public struct RetentionPolicy: Sendable, Hashable {
    /// Finished streams kept however old they are (nil: no count limit).
    public var keepStreams: Int?
    /// Finished streams whose playout ended less than this long ago are kept (nil: no age limit).
    public var keepAge: Duration?
    /// How long after a stream's playout ends (by the cluster timeline) it may be removed: room for nodes
    /// whose cluster clock lags and for audio still in a device's buffer.
    public var playoutMargin: Duration

    /// The default count limit (`retention.keep_streams` when not set).
    public static let defaultKeepStreams = 100
    /// The default ``playoutMargin``.
    public static let defaultPlayoutMargin: Duration = .seconds(5)

    /// A policy; `keepStreams` below 0 counts as 0.
    public init(
        keepStreams: Int? = RetentionPolicy.defaultKeepStreams, keepAge: Duration? = nil,
        playoutMargin: Duration = RetentionPolicy.defaultPlayoutMargin
    ) {
        self.keepStreams = keepStreams.map { max(0, $0) }
        self.keepAge = keepAge
        self.playoutMargin = playoutMargin
    }

    /// A policy that never removes anything.
    public static let keepEverything = RetentionPolicy(keepStreams: nil, keepAge: nil)

    /// Whether any rule can remove a stream.
    public var removesAnything: Bool { keepStreams != nil || keepAge != nil }

    /// The streams to remove at cluster time `now`, oldest first (catalogue order), never one in
    /// `protected` nor a programme item not over yet (playing, or queued: its end is unknown or ahead).
    public func removals(in catalogue: Catalogue, now: ClusterTime, protected: Set<StreamID> = []) -> [Removal] {
        guard removesAnything else { return [] }
        let schedule = catalogue.programmeSchedule()
        let ends = Dictionary(schedule.compactMap { item in item.end.map { (item.id, $0) } }, uniquingKeysWith: { a, _ in a })
        var protected = protected
        for item in schedule where item.end.map({ $0 + playoutMargin > now }) ?? true { protected.insert(item.id) }
        let finished = catalogue.streams.filter(\.isFinal)
        let beyondCount = keepStreams.map { max(0, finished.count - $0) } ?? 0
        var removals: [Removal] = []
        for (position, stream) in finished.enumerated() {
            guard !protected.contains(stream.id) else { continue }
            let playoutEnd = max(ends[stream.id] ?? .zero, Self.playoutEnd(of: stream))
            guard playoutEnd + playoutMargin <= now else { continue }
            if position < beyondCount, let keepStreams {
                removals.append(Removal(stream: stream.id, reason: .beyondCount(keepStreams)))
            } else if let keepAge, playoutEnd + keepAge < now {
                removals.append(Removal(stream: stream.id, reason: .olderThan(keepAge, playoutEnded: playoutEnd)))
            }
        }
        return removals
    }

    /// When `stream`'s last sample is heard on the cluster timeline: its start plus its duration (the
    /// ended stream's stated duration or its committed fragments', whichever is longer).
    public static func playoutEnd(of stream: CatalogueStream) -> ClusterTime {
        var seconds = stream.committedDurationSeconds
        if case .ended(_, let stated) = stream.state, stated.isFinite { seconds = max(seconds, stated) }
        return stream.start.startClusterTime + .nanoseconds(rounding: max(0, seconds) * 1e9)
    }
}
