import Raft
import TestSupport

/// The arguments of one scenario command, read by name or position. Every argument must be read
/// (``checkAllUsed()``), so a misspelt one fails the file instead of being ignored.
struct Arguments {
    private let all: [DataDrivenFile.Argument]
    private var used = Set<Int>()

    init(_ arguments: [DataDrivenFile.Argument]) {
        all = arguments
    }

    private typealias UsageError = RaftScenario.UsageError

    /// Indices of the bare words (`1`, `v1`, `failed`), in order.
    private var positionalIndices: [Int] { all.indices.filter { !all[$0].hasValue } }

    /// The `n`-th bare word.
    mutating func positional(_ n: Int) throws -> String {
        let indices = positionalIndices
        guard n < indices.count else { throw UsageError(description: "argument \(n + 1) is missing") }
        used.insert(indices[n])
        return all[indices[n]].key
    }

    /// The bare words from the `n`-th on.
    mutating func positionals(from n: Int) -> [String] {
        let indices = positionalIndices.dropFirst(n)
        used.formUnion(indices)
        return indices.map { all[$0].key }
    }

    /// The `n`-th bare word as a node id.
    mutating func id(_ n: Int) throws -> NodeID {
        let word = try positional(n)
        guard let id = NodeID(word), id != .none else { throw UsageError(description: "\(word) is not a node id") }
        return id
    }

    /// Every bare word as a node id, or `fallback` when there are none.
    mutating func ids(default fallback: [NodeID]?) throws -> [NodeID]? {
        let words = positionals(from: 0)
        if words.isEmpty { return fallback }
        return try words.map { word in
            guard let id = NodeID(word), id != .none else { throw UsageError(description: "\(word) is not a node id") }
            return id
        }
    }

    /// Every bare word as a node id, or `fallback` when there are none.
    mutating func ids(default fallback: [NodeID]) throws -> [NodeID] {
        try ids(default: Optional(fallback))!
    }

    /// True when the bare word `name` is present.
    mutating func flag(_ name: String) -> Bool {
        guard let i = all.indices.first(where: { !all[$0].hasValue && all[$0].key == name }) else { return false }
        used.insert(i)
        return true
    }

    /// The values of `key=…`, nil when absent.
    private mutating func values(_ key: String) -> [String]? {
        guard let i = all.indices.first(where: { all[$0].hasValue && all[$0].key == key }) else { return nil }
        used.insert(i)
        return all[i].values
    }

    /// The single value of `key=value`.
    mutating func string(_ key: String) throws -> String? {
        guard let values = values(key) else { return nil }
        guard values.count == 1 else { throw UsageError(description: "\(key) takes one value") }
        return values[0]
    }

    /// `key=N`.
    mutating func int(_ key: String) throws -> UInt64? {
        guard let text = try string(key) else { return nil }
        guard let n = UInt64(text) else { throw UsageError(description: "\(key)=\(text): not a number") }
        return n
    }

    /// `key=true` or `key=false`.
    mutating func bool(_ key: String) throws -> Bool? {
        guard let text = try string(key) else { return nil }
        guard let b = Bool(text) else { throw UsageError(description: "\(key)=\(text): not true or false") }
        return b
    }

    /// `key=(1,2,3)` (or `key=1`).
    mutating func idList(_ key: String) throws -> [UInt64]? {
        try values(key)?.map { text in
            guard let n = UInt64(text) else { throw UsageError(description: "\(key): \(text) is not a number") }
            return n
        }
    }

    /// `key=(1*10,3*50)`: the terms of a log, `term*count` for runs (entry i has the i-th term).
    mutating func logTerms(_ key: String) throws -> [UInt64] {
        var terms: [UInt64] = []
        for item in values(key) ?? [] {
            let parts = item.split(separator: "*").map { UInt64($0) }
            switch parts.count {
            case 1 where parts[0] != nil: terms.append(parts[0]!)
            case 2 where parts[0] != nil && parts[1] != nil: terms += Array(repeating: parts[0]!, count: Int(parts[1]!))
            default: throw UsageError(description: "\(key): \(item) is not term or term*count")
            }
        }
        return terms
    }

    /// `key=appendEntries` or `key=(heartbeat,appendEntries)`; empty when absent.
    mutating func messageTypes(_ key: String) throws -> [MessageType] {
        try (values(key) ?? []).map(Self.messageType)
    }

    private static func messageType(_ name: String) throws -> MessageType {
        guard let type = MessageType.allCases.first(where: { "\($0)" == name }) else {
            throw UsageError(description: "unknown message type \(name)")
        }
        return type
    }

    /// `op node` from the `n`-th bare word: `add-voter 4`, `add-learner 4`, `remove 4`.
    mutating func confChange(from n: Int) throws -> ConfChange {
        let op = try positional(n)
        let node = try id(n + 1)
        switch op {
        case "add-voter": return ConfChange(.addVoter, node: node)
        case "add-learner": return ConfChange(.addLearner, node: node)
        case "remove": return ConfChange(.remove, node: node)
        default: throw UsageError(description: "unknown conf change \(op)")
        }
    }

    /// A message to `to`: type as the second bare word, then `from= term= log-term= index= commit=
    /// reject=true hint= context= log-loss=true entries=(term/index,…)`.
    mutating func message(to: NodeID) throws -> Message {
        let type = try Self.messageType(positional(1))
        var m = Message(type: type, from: try require(int("from"), "from"), to: to, term: try int("term") ?? 0)
        m.logTerm = try int("log-term") ?? 0
        m.index = try int("index") ?? 0
        m.commit = try int("commit") ?? 0
        m.reject = try bool("reject") ?? false
        m.rejectHint = try int("hint") ?? 0
        m.context = try int("context") ?? 0
        m.logLoss = try bool("log-loss") ?? false
        m.entries = try (values("entries") ?? []).map { item in
            let parts = item.split(separator: "/").compactMap { UInt64($0) }
            guard parts.count == 2 else { throw UsageError(description: "entries: \(item) is not term/index") }
            return Entry(term: parts[0], index: parts[1])
        }
        return m
    }

    /// The config arguments (``RaftScenario/configKeys``), taken out for the node's ``Config``.
    mutating func configArguments() -> [DataDrivenFile.Argument] {
        let indices = all.indices.filter { all[$0].hasValue && RaftScenario.configKeys.contains(all[$0].key) }
        used.formUnion(indices)
        return indices.map { all[$0] }
    }

    /// `value`, or a usage error naming the missing argument.
    func require<T>(_ value: T?, _ name: String) throws -> T {
        guard let value else { throw UsageError(description: "\(name)= is required") }
        return value
    }

    /// Throws when an argument was never read (a typo, or one the command does not take).
    func checkAllUsed() throws {
        let unused = all.indices.filter { !used.contains($0) }.map { all[$0].hasValue ? "\(all[$0].key)=…" : all[$0].key }
        if !unused.isEmpty { throw UsageError(description: "unused arguments: \(unused.joined(separator: " "))") }
    }
}
