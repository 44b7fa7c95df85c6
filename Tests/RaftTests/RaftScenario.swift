import Raft
import TestSupport

/// The interpreter of the Raft scenario files (`Tests/RaftTests/testdata/*.txt`, run by
/// ``ScenarioFileTests``): a ``CoreCluster`` driven by commands (`add-nodes`, `campaign`,
/// `tick-stabilize`, `stabilize`, `process-ready`, `deliver-msgs`, `step`, `propose`, `isolate`,
/// `crash`, `status`, …), printing what the core does as text, after etcd-io/raft's `rafttest`
/// interaction environment. The commands, their arguments and the output format are described in
/// docs/raft.md, "Tests: scenario files". Seeds are fixed per node id (as in ``CoreCluster``) and
/// nothing reads a clock, so every run prints the same text.
struct RaftScenario {
    /// How much the commands that move the cluster print.
    enum LogLevel: String {
        /// Nothing (`ok`); queries still print.
        case none
        /// Role and term changes only (`2 became leader at term 1`).
        case events
        /// Every Ready handled and every message delivered, with the events among them.
        case all
    }

    /// A scenario file asked for something the interpreter cannot do (a typo, a missing node).
    struct UsageError: Error, CustomStringConvertible {
        var description: String
    }

    private(set) var cluster: CoreCluster
    private var level = LogLevel.all
    /// The config arguments each node was added with, reused by `restart`.
    private var configArguments: [NodeID: [DataDrivenFile.Argument]] = [:]
    /// Readies handed out by `process-ready … advance=false`, waiting for `advance`.
    private var pending: [NodeID: Ready] = [:]
    /// Messages matching one of these are dropped on delivery (`drop`; `heal` clears them).
    private var dropRules: [(from: NodeID?, to: NodeID?, types: [MessageType])] = []
    private var out = Output()

    init() throws {
        cluster = try CoreCluster(voters: [])
    }

    /// Runs one block of a scenario file and returns what it printed (`ok` when nothing).
    /// - Throws: ``UsageError`` for an unknown command, a bad argument or a missing node.
    mutating func handle(_ c: DataDrivenFile.Case) throws -> String {
        out = Output(level: level)
        var args = Arguments(c.arguments)
        switch c.command {
        case "log-level":
            let name = try args.positional(0)
            guard let l = LogLevel(rawValue: name) else { throw UsageError(description: "unknown log level \(name)") }
            level = l
        case "add-nodes": try addNodes(&args)
        case "campaign":
            let id = try node(args.id(0))
            observe([id]) { $0.cluster[id].campaign() }
        case "tick":
            let ids = try args.ids(default: cluster.nodes.keys.sorted()).map(node)
            let count = try args.int("count") ?? 1
            for _ in 0..<count { for id in ids { observe([id]) { $0.cluster[id].tick() } } }
        case "tick-stabilize": try tickStabilize(&args)
        case "stabilize": try stabilize(only: args.ids(default: nil))
        case "process-ready":
            let advance = try args.bool("advance") ?? true
            for id in try args.ids(default: nil) ?? [] { try processReady(node(id), advance: advance, announceNone: true) }
        case "advance":
            let id = try node(args.id(0))
            guard let ready = pending.removeValue(forKey: id) else { throw UsageError(description: "no Ready of \(id) waits for advance") }
            observe([id]) { $0.cluster[id].advance(ready) }
        case "deliver-msgs":
            let ids = try args.ids(default: nil)
            let types = try args.messageTypes("type")
            let drop = try args.bool("drop") ?? false
            deliver(to: ids, types: types, drop: drop)
        case "propose": try propose(&args)
        case "propose-conf-change":
            let id = try node(args.id(0))
            let change = try args.confChange(from: 1)
            do {
                out.query("proposed at \(try cluster[id].proposeConfChange(change))")
            } catch {
                out.query("error: \(Describe.proposalError(error))")
            }
        case "step":
            let message = try args.message(to: args.id(0))
            try _ = node(message.to)
            out.detail(Describe.message(message))
            observe([message.to]) { $0.cluster[message.to].step(message) }
        case "transfer-leadership":
            let id = try node(args.id(0))
            let to = try args.require(args.int("to"), "to")
            observe([id]) { $0.cluster[id].transferLeadership(to: to) }
            let transferee = cluster[id].status.leadTransferee
            out.query(transferee == .none ? "ignored: no transfer" : "transferring to \(transferee)")
        case "report-unreachable":
            let id = try node(args.id(0))
            let peer = try args.id(1)
            observe([id]) { $0.cluster[id].reportUnreachable(peer) }
        case "report-snapshot":
            let id = try node(args.id(0))
            let peer = try args.id(1)
            let failed = args.flag("failed")
            observe([id]) { $0.cluster[id].reportSnapshot(peer, succeeded: !failed) }
        case "report-storage-stalled":
            let id = try node(args.id(0))
            observe([id]) { $0.cluster[id].reportStorageStalled() }
        case "isolate": cluster.isolated.formUnion(try args.ids(default: nil) ?? [])
        case "drop":
            dropRules.append((try args.int("from"), try args.int("to"), try args.messageTypes("type")))
            installFilter()
        case "heal":
            cluster.isolated = []
            dropRules = []
            installFilter()
        case "crash":
            let id = try node(args.id(0))
            cluster.nodes[id] = nil
            pending[id] = nil
        case "restart": try restart(&args)
        case "snapshot": try snapshot(&args)
        case "status":
            for id in try args.ids(default: cluster.storages.keys.sorted()) {
                guard let node = cluster.nodes[id] else {
                    out.query("\(id): down")
                    continue
                }
                let status = node.status
                out.query(Describe.status(status))
                for (peer, progress) in status.progress.sorted(by: { $0.key < $1.key }) {
                    out.query("  " + Describe.progress(peer, progress))
                }
            }
        case "raft-log": try raftLog(&args)
        case "applied":
            let id = try args.id(0)
            for snapshot in cluster.appliedSnapshots[id] ?? [] {
                out.query("snapshot \(Describe.snapshot(snapshot)) data \(Describe.data(snapshot.data))")
            }
            let data = cluster.applied[id] ?? []
            out.query(data.isEmpty ? "no data applied" : data.map(Describe.data).joined(separator: " "))
        case "sent": try sent(&args)
        case "clear-sent": cluster.sent = []
        default:
            throw UsageError(description: "unknown command \(c.command)")
        }
        try args.checkAllUsed()
        return out.text
    }

    // MARK: Nodes

    private func node(_ id: NodeID) throws -> NodeID {
        guard cluster.nodes[id] != nil else { throw UsageError(description: "no running node \(id)") }
        return id
    }

    private mutating func addNodes(_ args: inout Arguments) throws {
        let voters = try args.idList("voters") ?? []
        let learners = try args.idList("learners") ?? []
        let ids = try args.ids(default: voters + learners)
        let log = try args.logTerms("log")
        let hardState = try args.idList("hard-state").map { values -> HardState in
            guard values.count == 3 else { throw UsageError(description: "hard-state=(term,vote,commit)") }
            return HardState(term: values[0], vote: values[1], commit: values[2])
        }
        let configArguments = args.configArguments()
        let configure = try Self.configure(configArguments)
        for id in ids {
            guard cluster.storages[id] == nil else { throw UsageError(description: "node \(id) exists") }
            let storage = MemoryStorage(confState: ConfState(voters: voters, learners: learners))
            try storage.append(log.enumerated().map { Entry(term: $0.element, index: UInt64($0.offset + 1)) })
            if let hardState { try storage.setHardState(hardState) }
            try cluster.addNode(id, storage: storage, configure: configure)
            self.configArguments[id] = configArguments
            out.query(Describe.status(cluster[id].status))
        }
    }

    private mutating func restart(_ args: inout Arguments) throws {
        let id = try args.id(0)
        guard let storage = cluster.storages[id] else { throw UsageError(description: "no node \(id) to restart") }
        cluster.nodes[id] = nil
        pending[id] = nil
        let arguments = (configArguments[id] ?? []) + args.configArguments()
        do {
            try cluster.addNode(id, storage: storage, configure: Self.configure(arguments))
            out.query(Describe.status(cluster[id].status))
        } catch let error as ConfigError {
            out.query("error: \(error)")
        }
    }

    /// The arguments that set a node's ``Config`` (read by ``configure(_:)``).
    static let configKeys: Set = [
        "prevote", "checkquorum", "election-tick", "heartbeat-tick", "max-size-per-msg", "max-inflight-msgs",
        "max-inflight-bytes", "max-uncommitted-size", "max-committed-size-per-ready", "applied",
    ]

    /// A closure setting the config arguments on a ``Config``.
    private static func configure(_ arguments: [DataDrivenFile.Argument]) throws -> (inout Config) -> Void {
        var changes: [(inout Config) -> Void] = []
        for a in arguments {
            guard a.values.count == 1, let value = a.values.first else {
                throw UsageError(description: "\(a.key) takes one value")
            }
            func number() throws -> UInt64 {
                guard let n = UInt64(value) else { throw UsageError(description: "\(a.key)=\(value): not a number") }
                return n
            }
            func bool() throws -> Bool {
                guard let b = Bool(value) else { throw UsageError(description: "\(a.key)=\(value): not true or false") }
                return b
            }
            switch a.key {
            case "prevote": let v = try bool(); changes.append { $0.preVote = v }
            case "checkquorum": let v = try bool(); changes.append { $0.checkQuorum = v }
            case "election-tick": let v = try number(); changes.append { $0.electionTick = Int(v) }
            case "heartbeat-tick": let v = try number(); changes.append { $0.heartbeatTick = Int(v) }
            case "max-size-per-msg": let v = try number(); changes.append { $0.maxSizePerMessage = v }
            case "max-inflight-msgs": let v = try number(); changes.append { $0.maxInflightMessages = Int(v) }
            case "max-inflight-bytes": let v = try number(); changes.append { $0.maxInflightBytes = v }
            case "max-uncommitted-size": let v = try number(); changes.append { $0.maxUncommittedEntriesSize = v }
            case "max-committed-size-per-ready": let v = try number(); changes.append { $0.maxCommittedSizePerReady = v }
            case "applied": let v = try number(); changes.append { $0.applied = v }
            default: throw UsageError(description: "unknown config argument \(a.key)")
            }
        }
        return { config in for change in changes { change(&config) } }
    }

    private mutating func snapshot(_ args: inout Arguments) throws {
        let id = try node(args.id(0))
        let data = Array((try args.string("data") ?? "snapshot").utf8)
        let status = cluster[id].status
        let storage = cluster.storages[id]!
        let snapshot = try storage.createSnapshot(at: status.applied, confState: status.confState, data: data)
        try storage.compact(upTo: status.applied)
        out.query("snapshot \(Describe.snapshot(snapshot)); log from \(try storage.firstIndex()) to \(try storage.lastIndex())")
    }

    // MARK: Proposals

    private mutating func propose(_ args: inout Arguments) throws {
        let id = try node(args.id(0))
        var words = args.positionals(from: 1)
        let size = try args.int("size").map(Int.init)
        if let count = try args.int("count") {
            guard words.count == 1 else { throw UsageError(description: "count= takes one prefix") }
            words = (1...count).map { "\(words[0])\($0)" }
        }
        guard !words.isEmpty else { throw UsageError(description: "nothing to propose") }
        var indices: [UInt64] = []
        func report() {
            guard let first = indices.first else { return }
            out.query(indices.count == 1 ? "proposed at \(first)" : "proposed at \(first)…\(indices.last!)")
        }
        for word in words {
            var data = Array(word.utf8)
            if let size, size > data.count { data += Array(repeating: UInt8(ascii: "."), count: size - data.count) }
            do {
                indices.append(try cluster[id].propose(data))
            } catch {
                report()
                indices = []
                out.query(words.count == 1 ? "error: \(Describe.proposalError(error))"
                                           : "error at \(word): \(Describe.proposalError(error))")
            }
        }
        report()
    }

    // MARK: Ready handling and delivery

    /// Records the role and term of `ids` around `body` and prints each change as an event.
    private mutating func observe(_ ids: [NodeID], _ body: (inout Self) -> Void) {
        let before = ids.map { cluster.nodes[$0].map { ($0.role, $0.term) } }
        body(&self)
        for (id, old) in zip(ids, before) {
            guard let node = cluster.nodes[id] else { continue }
            if old?.0 != node.role || old?.1 != node.term { out.event("\(id) became \(node.role) at term \(node.term)") }
        }
    }

    /// Handles one Ready of `id` per the contract (``CoreCluster``'s persist, send, apply, then advance
    /// unless told not to); returns false when it had none (and says so when `announceNone`).
    @discardableResult
    private mutating func processReady(_ id: NodeID, advance: Bool, announceNone: Bool) -> Bool {
        guard cluster[id].hasReady else {
            if announceNone { out.query("> \(id) has no Ready") }
            return false
        }
        out.detail("> \(id) handling Ready")
        out.indent = "  "
        defer { out.indent = "" }
        observe([id]) { s in
            let ready = s.cluster[id].ready()
            for line in Describe.ready(ready) { s.out.detail("  " + line) }
            s.cluster.persist(id, ready)
            s.cluster.send(ready.messages)
            s.cluster.apply(id, ready)
            if advance { s.cluster[id].advance(ready) } else { s.pending[id] = ready }
        }
        return true
    }

    /// Delivers the queued messages to `ids` (all when nil) of `types` (all when empty), in queue
    /// order per recipient, recipients in id order; drops those the network drops (or all, with `drop`).
    /// - Returns: whether any message was taken from the queue.
    @discardableResult
    private mutating func deliver(to ids: [NodeID]?, types: [MessageType] = [], drop: Bool = false) -> Bool {
        let taken = cluster.queue.filter { (ids?.contains($0.to) ?? true) && (types.isEmpty || types.contains($0.type)) }
        guard !taken.isEmpty else { return false }
        cluster.queue.removeAll { (ids?.contains($0.to) ?? true) && (types.isEmpty || types.contains($0.type)) }
        for to in Set(taken.map(\.to)).sorted() {
            out.detail("> \(to) receiving messages")
            out.indent = "  "
            defer { out.indent = "" }
            for m in taken where m.to == to {
                guard !drop && cluster.isDelivered(m) else {
                    out.detail("  \(Describe.message(m)) (dropped)")
                    continue
                }
                out.detail("  " + Describe.message(m))
                observe([to]) { $0.cluster[to].step(m) }
            }
        }
        return true
    }

    /// Handles Readies and delivers messages (of and to `only`, or all nodes) until nothing moves.
    private mutating func stabilize(only: [NodeID]?) throws {
        for _ in 0..<10_000 {
            var busy = false
            for id in cluster.nodes.keys.sorted() where only?.contains(id) ?? true {
                if processReady(id, advance: true, announceNone: false) { busy = true }
            }
            if deliver(to: only) { busy = true }
            if !busy { return }
        }
        throw UsageError(description: "the cluster did not stabilize in 10000 rounds")
    }

    private mutating func tickStabilize(_ args: inout Arguments) throws {
        let ids = try args.ids(default: nil)
        let count = try args.int("count") ?? 1
        let untilLeader: Bool
        switch try args.string("until") {
        case nil: untilLeader = false
        case "leader": untilLeader = true
        case let other?: throw UsageError(description: "until=\(other): only until=leader")
        }
        let tickers = try (ids ?? cluster.nodes.keys.sorted()).map(node)
        defer { out.prefix = "" }
        for round in 1...count {
            out.prefix = "tick \(round): "
            let header = out.lines.count
            for id in tickers { observe([id]) { $0.cluster[id].tick() } }
            try stabilize(only: nil)
            if level == .all && out.lines.count > header { out.lines.insert("tick \(round):", at: header) }
            if untilLeader && tickers.contains(where: { cluster.nodes[$0]?.role == .leader }) { return }
        }
        if untilLeader { out.query("no leader after \(count) ticks") }
    }

    private mutating func installFilter() {
        let rules = dropRules
        cluster.filter = rules.isEmpty ? nil : { m in
            !rules.contains { rule in
                (rule.from ?? m.from) == m.from && (rule.to ?? m.to) == m.to && (rule.types.isEmpty || rule.types.contains(m.type))
            }
        }
    }

    // MARK: Queries

    private mutating func raftLog(_ args: inout Arguments) throws {
        let id = try args.id(0)
        guard let storage = cluster.storages[id] else { throw UsageError(description: "no node \(id)") }
        let summary = try args.bool("summary") ?? false
        let snapshot = try storage.snapshot()
        if !snapshot.isEmpty { out.query("snapshot \(Describe.snapshot(snapshot))") }
        let first = try storage.firstIndex()
        let last = try storage.lastIndex()
        guard first <= last else {
            out.query("log empty")
            return
        }
        let entries = try storage.entries(from: first, to: last + 1, maxBytes: .max)
        if summary {
            var runs: [(term: UInt64, count: Int)] = []
            for e in entries {
                if runs.last?.term == e.term { runs[runs.count - 1].count += 1 } else { runs.append((e.term, 1)) }
            }
            out.query("log \(first)…\(last), terms " + runs.map { "\($0.term)×\($0.count)" }.joined(separator: " "))
        } else {
            for e in entries { out.query(Describe.entry(e)) }
        }
    }

    private mutating func sent(_ args: inout Arguments) throws {
        let from = try args.int("from")
        let to = try args.int("to")
        let types = try args.messageTypes("type")
        let list = try args.bool("list") ?? false
        let matching = cluster.sent.filter {
            (from ?? $0.from) == $0.from && (to ?? $0.to) == $0.to && (types.isEmpty || types.contains($0.type))
        }
        out.query(matching.count == 1 ? "1 message" : "\(matching.count) messages")
        if list {
            for m in matching { out.query("  " + Describe.message(m)) }
        } else {
            for type in MessageType.allCases {
                let n = matching.filter { $0.type == type }.count
                if n > 0 { out.query("  \(type): \(n)") }
            }
        }
    }
}

/// What one command prints: queries always, Ready and delivery details at log level `all`, events
/// (role and term changes) at `events` and `all`.
private struct Output {
    var level = RaftScenario.LogLevel.all
    var lines: [String] = []
    /// Put before events at log level `events` (`tick 3: `).
    var prefix = ""
    /// Put before events at log level `all` (inside a Ready or a delivery).
    var indent = ""

    mutating func query(_ line: String) { lines.append(line) }
    mutating func detail(_ line: String) { if level == .all { lines.append(line) } }
    mutating func event(_ line: String) {
        switch level {
        case .none: break
        case .events: lines.append(prefix + line)
        case .all: lines.append(indent + line)
        }
    }
    var text: String { lines.isEmpty ? "ok" : lines.joined(separator: "\n") }
}
