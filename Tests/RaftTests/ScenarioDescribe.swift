import Raft

// How the scenario interpreter (RaftScenario) prints the core's values: one line per message,
// entry, status and progress, stable from run to run (no dictionary order, no addresses).

/// Text forms of the core's values for the scenario files.
enum Describe {
    /// `1->2 appendEntries term:1 log:1/3 commit:3 entries:[1/4, 1/5 "v1"]`: the fields a message
    /// uses (zero fields are left out; `log` is logTerm/index).
    static func message(_ m: Message) -> String {
        var s = "\(m.from)->\(m.to) \(m.type) term:\(m.term)"
        if m.logTerm != 0 || m.index != 0 { s += " log:\(m.logTerm)/\(m.index)" }
        if m.commit != 0 { s += " commit:\(m.commit)" }
        if m.reject { s += " rejected hint:\(m.rejectHint)" }
        if m.logLoss { s += " log-loss" }
        if m.context != 0 { s += " context:\(m.context)" }
        if !m.entries.isEmpty { s += " entries:[" + m.entries.map(entry).joined(separator: ", ") + "]" }
        if let snapshot = m.snapshot { s += " snapshot:" + self.snapshot(snapshot) }
        return s
    }

    /// `1/4` (term/index) for an empty entry, `1/5 "v1"` with data, `1/1 add-voter 1` for a membership change.
    static func entry(_ e: Entry) -> String {
        switch e.kind {
        case .normal:
            return e.data.isEmpty ? "\(e.term)/\(e.index)" : "\(e.term)/\(e.index) \(data(e.data))"
        case .confChange:
            guard let change = ConfChange(encoded: e.data) else { return "\(e.term)/\(e.index) conf-change \(data(e.data))" }
            return "\(e.term)/\(e.index) \(confChange(change))"
        }
    }

    /// `add-voter 4`, `add-learner 4`, `remove 4`.
    static func confChange(_ c: ConfChange) -> String {
        switch c.operation {
        case .addVoter: "add-voter \(c.node)"
        case .addLearner: "add-learner \(c.node)"
        case .remove: "remove \(c.node)"
        }
    }

    /// Printable ASCII of up to 24 bytes in quotes; longer text as its first 16 bytes and its size;
    /// other bytes in hex (the first 8 and the size when longer).
    static func data(_ bytes: [UInt8]) -> String {
        let printable = bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") }
        if printable {
            if bytes.count <= 24 { return "\"" + String(decoding: bytes, as: UTF8.self) + "\"" }
            return "\"" + String(decoding: bytes.prefix(16), as: UTF8.self) + "…\" (\(bytes.count) bytes)"
        }
        let digits = Array("0123456789abcdef")
        let hex = bytes.prefix(8).map { String([digits[Int($0 >> 4)], digits[Int($0 & 15)]]) }.joined()
        return bytes.count <= 8 ? "0x" + hex : "0x\(hex)… (\(bytes.count) bytes)"
    }

    /// `1/24 voters=(1,2,3)`: term/index of the last entry the snapshot covers, and its membership.
    static func snapshot(_ s: Snapshot) -> String {
        "\(s.metadata.term)/\(s.metadata.index) " + confState(s.metadata.confState)
    }

    /// `voters=(1,2,3)`, with ` learners=(4)` when there are learners.
    static func confState(_ c: ConfState) -> String {
        var s = "voters=\(list(c.voters))"
        if !c.learners.isEmpty { s += " learners=\(list(c.learners))" }
        return s
    }

    /// `(1,2,3)`.
    static func list(_ ids: [NodeID]) -> String { "(" + ids.map(String.init).joined(separator: ",") + ")" }

    /// One line of a node's status: role, term, vote, leader, commit, applied, last index,
    /// membership, and the transferee and log loss when set.
    static func status(_ s: Status) -> String {
        var line = "\(s.id): \(s.role) term=\(s.term) vote=\(s.vote) leader=\(s.leader) commit=\(s.commit)"
            + " applied=\(s.applied) last=\(s.lastIndex) " + confState(s.confState)
        if s.leadTransferee != .none { line += " transferee=\(s.leadTransferee)" }
        if let loss = s.logLoss { line += " log-loss=(index \(loss.index), term \(loss.term))" }
        return line
    }

    /// `2: match=4 next=5 replicate inflight=0 (0 bytes)`, then ` learner` and ` inactive` when so.
    static func progress(_ id: NodeID, _ p: PeerProgress) -> String {
        var line = "\(id): match=\(p.match) next=\(p.next) \(p.state) inflight=\(p.inflightMessages) (\(p.inflightBytes) bytes)"
        if p.isLearner { line += " learner" }
        if !p.recentActive { line += " inactive" }
        return line
    }

    /// The lines of a Ready, as handled: what changed, what was persisted, applied and sent.
    static func ready(_ r: Ready) -> [String] {
        var lines = ["Ready mustSync=\(r.mustSync):"]
        if let soft = r.softState { lines.append("soft state: role=\(soft.role) leader=\(soft.leader)") }
        if let hard = r.hardState { lines.append("hard state: term=\(hard.term) vote=\(hard.vote) commit=\(hard.commit)") }
        if let snapshot = r.snapshot { lines.append("snapshot: \(self.snapshot(snapshot)) data \(data(snapshot.data))") }
        if !r.entries.isEmpty { lines.append("entries:"); lines += r.entries.map { "  " + entry($0) } }
        if !r.committedEntries.isEmpty {
            lines.append("committed:")
            lines += r.committedEntries.map { "  " + entry($0) }
        }
        if !r.messages.isEmpty { lines.append("messages:"); lines += r.messages.map { "  " + message($0) } }
        return lines
    }

    /// `not leader (leader 1)`, `uncommitted size exceeded`, `invalid conf change: <reason>`, …
    static func proposalError(_ error: ProposalError) -> String {
        switch error {
        case .notLeader(let leader): "not leader (leader \(leader.map(String.init) ?? "unknown"))"
        case .uncommittedSizeExceeded: "uncommitted size exceeded"
        case .leadershipTransferInProgress: "leadership transfer in progress"
        case .confChangePending: "conf change pending"
        case .invalidConfChange(let reason): "invalid conf change: \(reason)"
        }
    }
}
