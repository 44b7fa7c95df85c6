/// The clock-sync side of a node as a state machine: whom to probe and when, which responses count,
/// and what a leader change does. The node's transport carries ``ClockSyncProbe``s and
/// ``ClockSyncResponse``s; everything here is a pure function of the calls and the times given.
///
/// ```swift
/// var sync = ClockSyncClient()
/// sync.leaderChanged(to: raft.leader, isSelf: raft.leader == myID, at: clock.now)   // on every change
/// if let (server, probe) = sync.probeIfDue(at: clock.now) { transport.send(probe, to: server) }
/// sync.receive(response, from: peer, at: clock.now)                               // on each answer
/// let response = sync.clock.answer(probe, receivedAt: t1, sentAt: t2)             // serving others
/// ```
/// A response is used only if it answers an outstanding probe sent to the current server, within
/// ``responseTimeout``: answers from a previous leader, duplicates and late answers are dropped.
public struct ClockSyncClient: Sendable {
    /// This node's cluster clock.
    public private(set) var clock: ClusterClock
    /// When to probe.
    public private(set) var schedule: ClockSyncSchedule
    /// The node this one takes cluster time from (the leader); nil while it leads or no leader is known.
    public private(set) var server: String?
    /// Probes older than this are forgotten; their answers no longer count.
    public var responseTimeout: Duration
    /// Responses dropped (unknown id, other server, too late, echo mismatch).
    public private(set) var droppedResponses = 0
    private var outstanding: [UInt64: (server: String, sentAt: Duration)] = [:]
    private var nextID: UInt64 = 1

    /// A client with a fresh clock (no timeline) and the default schedule.
    public init(
        clock: ClusterClock = ClusterClock(), schedule: ClockSyncSchedule = ClockSyncSchedule(),
        responseTimeout: Duration = .seconds(2)
    ) {
        self.clock = clock
        self.schedule = schedule
        self.responseTimeout = responseTimeout
    }

    /// Raft's view of the leader changed (or was confirmed). When this node leads it serves the
    /// timeline it tracks; when another node leads, the filter and the schedule restart against it;
    /// with no leader known, the clock runs on (holdover) and nothing is probed.
    public mutating func leaderChanged(to leader: String?, isSelf: Bool, at now: Duration) {
        if isSelf {
            if clock.role != .leader { clock.becomeLeader(at: now) }
            server = nil
            outstanding.removeAll()
            return
        }
        guard leader != server || clock.role == .leader else { return }
        server = leader
        outstanding.removeAll()
        guard leader != nil else { return }
        clock.followNewLeader()
        schedule.restart()
    }

    /// The probe to send now, and to whom; nil when none is due or there is no server.
    public mutating func probeIfDue(at now: Duration) -> (server: String, probe: ClockSyncProbe)? {
        outstanding = outstanding.filter { now - $0.value.sentAt <= responseTimeout }
        guard let server, schedule.isDue(at: now) else { return nil }
        let probe = ClockSyncProbe(id: nextID, clientSend: now)
        nextID += 1
        outstanding[probe.id] = (server, now)
        schedule.probeSent(at: now)
        return (server, probe)
    }

    /// Uses a response from `node` that arrived at local `now`; returns what it did to the clock,
    /// or nil when the response was dropped.
    @discardableResult
    public mutating func receive(_ response: ClockSyncResponse, from node: String, at now: Duration) -> ClusterClock.Update? {
        guard let probe = outstanding.removeValue(forKey: response.id), probe.server == node, node == server,
            probe.sentAt == response.clientSend, now - probe.sentAt <= responseTimeout
        else {
            droppedResponses += 1
            return nil
        }
        let update = clock.add(ClockSample(response: response, receivedAt: now))
        if update != .rejected, update != .ignored { schedule.sampleAccepted() }
        return update
    }
}
