/// The kinds of message nodes exchange.
public enum MessageType: UInt8, Sendable, Hashable, CaseIterable {
    case appendEntries = 1
    case appendResponse = 2
    case requestVote = 3
    case voteResponse = 4
    case requestPreVote = 5
    case preVoteResponse = 6
    case heartbeat = 7
    case heartbeatResponse = 8
    case installSnapshot = 9
    /// Sent by a leader transferring leadership: "campaign now".
    case timeoutNow = 10

    /// Votes and heartbeats: small, latency-critical messages that a transport
    /// must never queue behind bulk entry data.
    public var isControl: Bool {
        switch self {
        case .appendEntries, .installSnapshot: return false
        default: return true
        }
    }
}

/// A message between two nodes. One flat shape serves every type (as in
/// etcd-io/raft); fields a type does not use are zero.
///
/// | type | logTerm/index | entries | commit | reject/rejectHint |
/// |---|---|---|---|---|
/// | appendEntries | term/index of the entry before `entries` | yes | leader commit | — |
/// | appendResponse | — / last index matched (or rejected index) | — | — | on reject: hint index, `logTerm` = term at hint; `logLoss` when the sender lost entries it may have acknowledged |
/// | requestVote, requestPreVote | candidate's last term/index | — | — | — |
/// | voteResponse, preVoteResponse | — | — | — | reject = vote refused |
/// | heartbeat | — | — | min(leader commit, follower match) | — |
/// | installSnapshot | — | — | — | `snapshot` is set |
public struct Message: Sendable, Hashable {
    public var type: MessageType
    public var from: NodeID
    public var to: NodeID
    public var term: UInt64
    public var logTerm: UInt64
    public var index: UInt64
    public var entries: [Entry]
    public var commit: UInt64
    public var reject: Bool
    public var rejectHint: UInt64
    public var snapshot: Snapshot?
    /// On a rejected ``MessageType/appendResponse``: the sender's log lost
    /// entries it may have acknowledged (see ``LogLoss``), so the leader must
    /// not trust the match it recorded for it and resends from the hint.
    public var logLoss: Bool
    /// Opaque context echoed in responses (used for heartbeats of read/lease checks and transfers).
    public var context: UInt64

    public init(
        type: MessageType, from: NodeID, to: NodeID, term: UInt64 = 0,
        logTerm: UInt64 = 0, index: UInt64 = 0, entries: [Entry] = [],
        commit: UInt64 = 0, reject: Bool = false, rejectHint: UInt64 = 0,
        snapshot: Snapshot? = nil, context: UInt64 = 0, logLoss: Bool = false
    ) {
        self.type = type
        self.from = from
        self.to = to
        self.term = term
        self.logTerm = logTerm
        self.index = index
        self.entries = entries
        self.commit = commit
        self.reject = reject
        self.rejectHint = rejectHint
        self.snapshot = snapshot
        self.context = context
        self.logLoss = logLoss
    }

    /// Payload bytes carried (entries and snapshot data), for flow control and metrics.
    public var payloadSize: UInt64 {
        var n: UInt64 = 0
        for e in entries { n += e.accountedSize }
        if let s = snapshot { n += UInt64(s.data.count) }
        return n
    }
}
