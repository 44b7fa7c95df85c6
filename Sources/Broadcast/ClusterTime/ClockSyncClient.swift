/// The clock-sync side of a node as a state machine: whom to probe and when, which responses count,
/// and what a leader change does. The node's transport carries ``ClockSyncProbe``s and
/// ``ClockSyncResponse``s; everything here is a pure function of the calls and the times given.
///
/// ```swift
/// var sync = ClockSyncClient()
/// sync.leaderChanged(to: raft.leader, isSelf: raft.leader == myID, at: clock.now, peers: otherIDs)
/// if let (server, probe) = sync.probeIfDue(at: clock.now) { transport.send(probe, to: server) }
/// sync.receive(response, from: peer, at: clock.now)                               // on each answer
/// let response = sync.clock.answer(probe, receivedAt: t1, sentAt: t2)             // serving others
/// ```
/// A response is used only if it answers an outstanding probe sent to the current server, within
/// ``responseTimeout``, and echoes a send time (t0) between the probe's making and the answer's arrival
/// (the node's transport stamps t0 when the probe is written): answers from a previous leader, duplicates,
/// late answers and forged send times are dropped.
///
/// **A leader without a timeline adopts one first.** A node elected before it ever synchronised
/// (restarted, then elected) would otherwise define a new timeline from its raw clock, and every
/// follower would step by seconds. Given its peers, it probes them instead (followers answer with
/// the cluster time they track) and follows the first that answers: it has a map after 3 samples
/// (about 0.4 s) and serves it from then on, and it freezes it — becomes the timeline's keeper —
/// once its drift is known within ``adoptionDriftUncertaintyPPM`` or after ``adoptionLimit``, so
/// the timeline keeps its rate too. If no peer answers within ``adoptionTimeout`` (a new cluster:
/// nobody has a timeline), it defines one.
public struct ClockSyncClient: Sendable {
    /// This node's cluster clock.
    public private(set) var clock: ClusterClock
    /// When to probe.
    public private(set) var schedule: ClockSyncSchedule
    /// The node this one takes cluster time from (the leader); nil while it leads or no leader is known.
    public private(set) var server: String?
    /// Probes older than this are forgotten; their answers no longer count.
    public var responseTimeout: Duration
    /// How long a leader without a timeline looks for one among its peers before defining one.
    public var adoptionTimeout: Duration
    /// How long a leader follows the peer it adopts from at most, before freezing its map.
    public var adoptionLimit: Duration = .seconds(15)
    /// The drift uncertainty (ppm) at which a leader adopting a timeline freezes its map.
    public var adoptionDriftUncertaintyPPM = 20.0
    /// Responses dropped (unknown id, other server, too late, echo mismatch).
    public private(set) var droppedResponses = 0
    /// The peer a leader took its timeline from, once it has.
    public private(set) var adoptedFrom: String?
    private var adoption: Adoption?
    private var outstanding: [UInt64: (server: String, sentAt: Duration)] = [:]
    private var nextID: UInt64 = 1

    /// A leader looking for the timeline among its peers.
    private struct Adoption: Sendable {
        var started: Duration
        var peers: [String]
        var nextPeer = 0
        var source: String?
    }

    /// A client with a fresh clock (no timeline) and the default schedule.
    public init(
        clock: ClusterClock = ClusterClock(), schedule: ClockSyncSchedule = ClockSyncSchedule(),
        responseTimeout: Duration = .seconds(2), adoptionTimeout: Duration = .seconds(1)
    ) {
        self.clock = clock
        self.schedule = schedule
        self.responseTimeout = responseTimeout
        self.adoptionTimeout = adoptionTimeout
    }

    /// Whether this node leads but is still looking for the timeline among its peers.
    public var isAdopting: Bool { adoption != nil }

    /// Raft's view of the leader changed (or was confirmed). When this node leads it serves the
    /// timeline it tracks — or, with none yet, first adopts one from `peers` (see the type's notes);
    /// when another node leads, the filter and the schedule restart against it; with no leader
    /// known, the clock runs on (holdover) and nothing is probed.
    public mutating func leaderChanged(to leader: String?, isSelf: Bool, at now: Duration, peers: [String] = []) {
        if isSelf {
            server = nil
            guard clock.role != .leader, adoption == nil else { return }
            outstanding.removeAll()
            if clock.isSynchronized || peers.isEmpty {
                clock.becomeLeader(at: now)
            } else {
                adoption = Adoption(started: now, peers: peers)
                clock.followNewLeader()
                schedule.restart()
            }
            return
        }
        adoption = nil
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
        var target = server
        if var adopting = adoption {
            let noAnswer = adopting.source == nil && now - adopting.started >= adoptionTimeout
            guard !noAnswer, now - adopting.started < adoptionLimit else {
                // Nobody has a timeline (define it), or the adoption has run its course (keep it).
                finishAdoption(at: now)
                return nil
            }
            guard schedule.isDue(at: now) else { return nil }
            if let source = adopting.source {
                target = source
            } else {
                target = adopting.peers[adopting.nextPeer % adopting.peers.count]
                adopting.nextPeer += 1
            }
            adoption = adopting
        }
        guard let server = target, schedule.isDue(at: now) else { return nil }
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
        let expected = adoption.map { $0.source ?? node } ?? server
        guard let probe = outstanding.removeValue(forKey: response.id), probe.server == node, node == expected,
            // The echoed t0 may be later than when the probe was made: the transport stamps it when it is written.
            response.clientSend >= probe.sentAt, response.clientSend <= now, now - probe.sentAt <= responseTimeout
        else {
            droppedResponses += 1
            return nil
        }
        let update = clock.add(ClockSample(response: response, receivedAt: now))
        if update != .rejected, update != .ignored { schedule.sampleAccepted() }
        if var adopting = adoption, update != .rejected {
            adopting.source = node
            adoption = adopting
            if let estimate = clock.filter.estimate, clock.isSynchronized, estimate.driftIsMeasured,
                estimate.driftUncertaintyPPM <= adoptionDriftUncertaintyPPM
            {
                finishAdoption(at: now)
            }
        }
        return update
    }

    /// Becomes the timeline's keeper: with the map adopted from a peer, or, with none, a new timeline.
    private mutating func finishAdoption(at now: Duration) {
        if clock.isSynchronized { adoptedFrom = adoption?.source }
        adoption = nil
        outstanding.removeAll()
        clock.becomeLeader(at: now)
    }
}
