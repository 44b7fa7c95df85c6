import Raft

/// Ready handling, as a node's I/O loop would do it: persist and sync, send,
/// apply, advance. Crash points cut it short; checks run at every step.
extension Simulation {
    /// Handles every Ready node `i` has, then checks the node.
    func drain(_ i: Int) {
        var rounds = 0
        while failure == nil, nodes[i].raft?.hasReady == true {
            rounds += 1
            if rounds > 10_000 {
                fail("node \(nodes[i].id) still has a Ready after 10000 rounds in one event")
                return
            }
            let ready = nodes[i].raft!.ready()
            if nodes[i].pendingCrash == .beforePersist {
                powerOff(i, reason: "crash before persisting a Ready (\(ready.entries.count) entries lost)")
                return
            }
            if nodes[i].pendingCrash == .duringPersist {
                persist(i, ready, sync: false)
                powerOff(i, reason: "crash after writing a Ready, before syncing it")
                return
            }
            persist(i, ready, sync: true)
            if nodes[i].pendingCrash == .afterPersist {
                powerOff(i, reason: "crash after persisting, before sending \(ready.messages.count) messages")
                return
            }
            send(from: nodes[i].id, ready.messages)
            if nodes[i].pendingCrash == .afterSend {
                powerOff(i, reason: "crash after sending, before applying")
                return
            }
            apply(i, ready)
            nodes[i].raft!.advance(ready)
        }
        if nodes[i].logLoss != nil, let raft = nodes[i].raft, raft.pendingLogLoss == nil {
            // Caught up, and durable (every Ready is handled): as the node removes its marker.
            nodes[i].logLoss = nil
            trace.log(now, "node \(nodes[i].id): caught up past its log loss (term \(raft.term) vote \(nodes[i].persisted.vote))")
        }
        checkNode(i)
    }

    /// Writes the Ready's snapshot, entries and hard state, then syncs
    /// (unless the node is crashing before the sync).
    private func persist(_ i: Int, _ ready: Ready, sync: Bool) {
        let id = nodes[i].id
        guard let storage = nodes[i].storage else { return }
        do {
            if let snap = ready.snapshot {
                try storage.applySnapshot(snap)
                trace.log(now, "node \(id): persist snapshot at \(snap.metadata.index) term \(snap.metadata.term)")
            }
            if let first = ready.entries.first {
                for e in ready.entries where e.index <= nodes[i].persisted.commit {
                    if let v = invariants.checkApplied(id, entry: e, digest: SimAppState.entryDigest(e)) {
                        fail("node \(id) overwrote a committed entry: " + v)
                        return
                    }
                }
                try storage.append(ready.entries)
                let previousTerm = first.index >= 1 ? try? storage.term(at: first.index - 1) : nil
                if let v = invariants.recordPersisted(id, entries: ready.entries, previousTerm: previousTerm) { fail(v) }
                trace.fold(7, id, first.index, UInt64(ready.entries.count))
                trace.log(now, "node \(id): persist entries \(first.index)...\(ready.entries.last!.index) (terms \(first.term)...\(ready.entries.last!.term))")
            }
            if let hs = ready.hardState {
                let old = nodes[i].persisted
                if hs.term < old.term { fail("node \(id) term went back from \(old.term) to \(hs.term)") }
                if hs.term == old.term && old.vote != .none && hs.vote != old.vote {
                    fail("node \(id) changed its vote in term \(hs.term) from \(old.vote) to \(hs.vote)")
                }
                if hs.commit < old.commit { fail("node \(id) commit went back from \(old.commit) to \(hs.commit)") }
                try storage.setHardState(hs)
            }
            guard sync else {
                nodes[i].unsyncedHardState = ready.hardState
                return
            }
            try storage.sync()
        } catch {
            fail("node \(id) storage failed while persisting a Ready: \(error)")
            return
        }
        if let hs = ready.hardState {
            let old = nodes[i].persisted
            nodes[i].persisted = hs
            trace.fold(8, id, hs.term << 8 | hs.vote, hs.commit)
            if hs != old { trace.log(now, "node \(id): hard state term \(hs.term) vote \(hs.vote) commit \(hs.commit)") }
            if hs.commit > old.commit,
                let v = invariants.recordCommit(id, from: old.commit, to: hs.commit, term: hs.term, storage: storage)
            {
                fail(v)
            }
        }
    }

    func send(from sender: NodeID, _ messages: [Message]) {
        guard !messages.isEmpty else { return }
        // Stable order by destination: the core may build messages while
        // iterating a dictionary, whose order differs between processes.
        let ordered = messages.enumerated().sorted { a, b in
            a.element.to != b.element.to ? a.element.to < b.element.to : a.offset < b.offset
        }
        for (_, m) in ordered {
            messageCounts[Int(m.type.rawValue)] += 1
            if m.from != sender {
                fail("node \(sender) sent a message claiming to be from \(m.from)")
                return
            }
            if m.to == sender || m.to == .none || m.to > UInt64(nodes.count) {
                fail("node \(sender) sent \(m.type) to invalid node \(m.to)")
                return
            }
            trace.fold(9, UInt64(m.type.rawValue) << 32 | m.from << 16 | m.to, m.term, m.index)
            trace.log(now, "send \(describe(m))")
            if let interceptor {
                switch interceptor(m) {
                case .pass: break
                case .drop:
                    trace.log(now, "  intercepted: dropped")
                    if m.type == .installSnapshot {
                        queue.push(.snapshotReport(leader: m.from, target: m.to, succeeded: false), at: now + options.tickMilliseconds)
                    }
                    continue
                case .hold:
                    trace.log(now, "  intercepted: held")
                    held.append(m)
                    continue
                }
            }
            switch network.fate(from: m.from, to: m.to, random: &random) {
            case .blocked:
                messagesDropped += 1
                if m.type == .installSnapshot {
                    queue.push(.snapshotReport(leader: m.from, target: m.to, succeeded: false), at: now + options.tickMilliseconds)
                } else if m.type == .appendEntries {
                    queue.push(.unreachable(from: m.from, to: m.to), at: now + options.tickMilliseconds)
                }
            case .lost:
                messagesDropped += 1
                if m.type == .installSnapshot {
                    queue.push(.snapshotReport(leader: m.from, target: m.to, succeeded: false), at: now + 2 * options.tickMilliseconds)
                }
            case .delivered(let delays):
                for d in delays {
                    // A link is FIFO (like a TCP connection) unless the
                    // message took the long path, which reorders it on purpose.
                    var at = now + d
                    if d <= network.conditions.maxDelay {
                        let link = Int(m.from) * (nodes.count + 1) + Int(m.to)
                        at = max(at, linkLastDelivery[link])
                        linkLastDelivery[link] = at
                    }
                    queue.push(.deliver(m), at: at)
                }
            }
        }
    }

    private func apply(_ i: Int, _ ready: Ready) {
        let id = nodes[i].id
        if let snap = ready.snapshot {
            guard let restored = SimAppState(snapshot: snap) else {
                fail("node \(id) was given a snapshot at \(snap.metadata.index) that no simulated node made")
                return
            }
            if restored.appliedIndex <= nodes[i].app.appliedIndex {
                fail("node \(id) was given a snapshot at \(restored.appliedIndex), not after its applied index \(nodes[i].app.appliedIndex)")
                return
            }
            if let v = invariants.checkSnapshot(id, index: restored.appliedIndex, digest: restored.digest)
                ?? invariants.checkMembers(id, index: restored.appliedIndex, table: restored.members)
            {
                fail(v)
                return
            }
            nodes[i].app = restored
            snapshotsInstalled += 1
            trace.log(now, "node \(id): installed snapshot at \(restored.appliedIndex)")
        }
        for e in ready.committedEntries {
            if e.index != nodes[i].app.appliedIndex + 1 {
                fail("node \(id) was asked to apply entry \(e.index) after applying \(nodes[i].app.appliedIndex)")
                return
            }
            if e.index > nodes[i].persisted.commit {
                fail("node \(id) was asked to apply entry \(e.index) beyond its synced commit \(nodes[i].persisted.commit)")
                return
            }
            let digest = SimAppState.entryDigest(e)
            if let v = invariants.checkApplied(id, entry: e, digest: digest) {
                fail(v)
                return
            }
            if e.kind == .confChange {
                guard let change = ConfChange(encoded: e.data) else {
                    fail("node \(id) committed a conf change entry \(e.index) that does not decode")
                    return
                }
                nodes[i].app.confState = nodes[i].raft!.applyConfChange(change)
                if let ignored = nodes[i].app.members.apply(change) {
                    trace.log(now, "node \(id): member record of change at \(e.index): \(ignored)")
                }
                trace.log(now, "node \(id): applied conf change \(change.operation) \(change.node) at \(e.index) -> voters \(nodes[i].app.confState.voters) learners \(nodes[i].app.confState.learners)")
            }
            nodes[i].app.apply(e, entryDigest: digest)
            if let v = invariants.checkMembers(id, index: e.index, table: nodes[i].app.members) {
                fail(v)
                return
            }
            if let proposed = nodes[i].proposals.removeValue(forKey: e.index), proposed == digest {
                acknowledged.append(ProposalTicket(node: id, index: e.index, digest: digest))
            }
        }
        if !ready.committedEntries.isEmpty {
            trace.fold(10, id, nodes[i].app.appliedIndex, nodes[i].app.digest)
            trace.log(now, "node \(id): applied up to \(nodes[i].app.appliedIndex)")
            takeSnapshotIfDue(i)
        }
    }

    private func takeSnapshotIfDue(_ i: Int) {
        guard options.snapshotInterval > 0, let storage = nodes[i].storage else { return }
        let app = nodes[i].app
        do {
            let last = try storage.snapshot().metadata.index
            guard app.appliedIndex >= last + options.snapshotInterval else { return }
            _ = try storage.createSnapshot(at: app.appliedIndex, confState: app.confState, data: app.snapshotData)
            let compactTo = app.appliedIndex + 1 - min(options.snapshotTail, app.appliedIndex)
            if compactTo > (try storage.firstIndex()) { try storage.compact(upTo: compactTo) }
            try storage.sync()
            snapshotsTaken += 1
            trace.log(now, "node \(nodes[i].id): snapshot at \(app.appliedIndex), log compacted to \(compactTo)")
        } catch {
            fail("node \(nodes[i].id) failed to snapshot at \(app.appliedIndex): \(error)")
        }
    }

    /// Per-node checks after an event: terms never go back, one leader per
    /// term, and a new leader holds every entry committed before its term.
    private func checkNode(_ i: Int) {
        guard failure == nil, let raft = nodes[i].raft else { return }
        let id = nodes[i].id
        let term = raft.term
        if term < nodes[i].seenTerm {
            fail("node \(id) term went back from \(nodes[i].seenTerm) to \(term)")
            return
        }
        nodes[i].seenTerm = term
        guard raft.role == .leader else { return }
        if let v = invariants.recordLeader(id, term: term) {
            fail(v)
            return
        }
        if nodes[i].ledTerm != term {
            nodes[i].ledTerm = term
            trace.log(now, "node \(id): leader of term \(term)")
            if let storage = nodes[i].storage,
                let v = invariants.checkLeaderCompleteness(id, term: term, storage: storage)
            {
                fail(v)
            }
        }
    }

    func describe(_ m: Message) -> String {
        var s = "\(m.from)->\(m.to) \(m.type) term=\(m.term)"
        switch m.type {
        case .appendEntries:
            s += " prev=\(m.index)/\(m.logTerm) n=\(m.entries.count) commit=\(m.commit)"
        case .appendResponse:
            s += " index=\(m.index)" + (m.reject ? " reject hint=\(m.rejectHint)/\(m.logTerm)" : "")
        case .requestVote, .requestPreVote:
            s += " last=\(m.index)/\(m.logTerm)"
        case .voteResponse, .preVoteResponse:
            s += m.reject ? " rejected" : " granted"
        case .heartbeat:
            s += " commit=\(m.commit)"
        case .installSnapshot:
            s += " snapshot=\(m.snapshot?.metadata.index ?? 0)/\(m.snapshot?.metadata.term ?? 0)"
        default:
            break
        }
        return s
    }
}
