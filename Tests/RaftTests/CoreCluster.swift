import Raft
import XCTest

/// A tiny hand-driven cluster for the core's unit tests: every node has a
/// MemoryStorage, Ready handling follows the documented contract (persist,
/// send, apply, advance), and messages wait in a queue until the test
/// delivers them. Links can be cut and messages dropped by a filter.
struct CoreCluster {
    var nodes: [NodeID: RaftNode] = [:]
    var storages: [NodeID: MemoryStorage] = [:]
    /// Messages sent and not yet delivered, oldest first.
    var queue: [Message] = []
    /// Every message ever sent, for assertions.
    var sent: [Message] = []
    /// Application data applied per node (normal, non-empty entries).
    var applied: [NodeID: [[UInt8]]] = [:]
    /// Snapshots applied per node.
    var appliedSnapshots: [NodeID: [Snapshot]] = [:]
    /// Nodes cut off from everyone.
    var isolated: Set<NodeID> = []
    /// Returns false for messages to drop.
    var filter: ((Message) -> Bool)?
    /// Rewrites messages on delivery (e.g. strips entries).
    var rewrite: ((Message) -> Message)?

    init(voters: [NodeID], learners: [NodeID] = [], configure: (inout Config) -> Void = { _ in }) throws {
        for id in voters + learners {
            try addNode(id, confState: ConfState(voters: voters, learners: learners), configure: configure)
        }
    }

    mutating func addNode(_ id: NodeID, confState: ConfState, configure: (inout Config) -> Void = { _ in }) throws {
        let storage = MemoryStorage(confState: confState)
        try addNode(id, storage: storage, configure: configure)
    }

    mutating func addNode(_ id: NodeID, storage: MemoryStorage, configure: (inout Config) -> Void = { _ in }) throws {
        var config = Config(id: id)
        config.randomSeed = id &* 7919
        configure(&config)
        storages[id] = storage
        nodes[id] = try RaftNode(config: config, storage: storage)
        applied[id] = []
    }

    subscript(id: NodeID) -> RaftNode {
        get { nodes[id]! }
        set { nodes[id] = newValue }
    }

    /// Handles one Ready of `id` per the contract; returns false when it had none.
    @discardableResult
    mutating func processReady(_ id: NodeID, advance: Bool = true) -> Bool {
        guard nodes[id]!.hasReady else { return false }
        let ready = nodes[id]!.ready()
        persist(id, ready)
        send(ready.messages)
        apply(id, ready)
        if advance { nodes[id]!.advance(ready) }
        return true
    }

    mutating func persist(_ id: NodeID, _ ready: Ready) {
        let storage = storages[id]!
        if let snapshot = ready.snapshot { try! storage.applySnapshot(snapshot) }
        try! storage.append(ready.entries)
        if let hardState = ready.hardState { try! storage.setHardState(hardState) }
    }

    mutating func send(_ messages: [Message]) {
        sent += messages
        queue += messages
    }

    mutating func apply(_ id: NodeID, _ ready: Ready) {
        if let snapshot = ready.snapshot { appliedSnapshots[id, default: []].append(snapshot) }
        for entry in ready.committedEntries {
            switch entry.kind {
            case .normal:
                if !entry.data.isEmpty { applied[id]!.append(entry.data) }
            case .confChange:
                if let change = ConfChange(encoded: entry.data) { _ = nodes[id]!.applyConfChange(change) }
            }
        }
    }

    func isDelivered(_ m: Message) -> Bool {
        if isolated.contains(m.from) || isolated.contains(m.to) { return false }
        if nodes[m.to] == nil { return false }
        return filter?(m) ?? true
    }

    /// Processes Readies and delivers messages until the cluster is quiet.
    /// - Returns: the number of messages delivered.
    @discardableResult
    mutating func stabilize(maxRounds: Int = 10_000) -> Int {
        var delivered = 0
        for _ in 0..<maxRounds {
            var busy = false
            for id in nodes.keys.sorted() where processReady(id) { busy = true }
            if !queue.isEmpty {
                busy = true
                let batch = queue
                queue = []
                for m in batch where isDelivered(m) {
                    nodes[m.to]!.step(rewrite?(m) ?? m)
                    delivered += 1
                }
            }
            if !busy { return delivered }
        }
        XCTFail("cluster did not stabilize in \(maxRounds) rounds")
        return delivered
    }

    /// Ticks every node (or `only` these) `count` times, stabilizing after each tick.
    mutating func tick(_ count: Int = 1, only: [NodeID]? = nil) {
        for _ in 0..<count {
            for id in (only ?? nodes.keys.sorted()) { nodes[id]!.tick() }
            stabilize()
        }
    }

    /// Makes `id` campaign and stabilizes.
    mutating func elect(_ id: NodeID) {
        nodes[id]!.campaign()
        stabilize()
    }

    var leaders: [NodeID] { nodes.keys.sorted().filter { nodes[$0]!.role == .leader } }

    /// Messages in the queue from `from` to `to` of `type`.
    func queued(_ type: MessageType, from: NodeID? = nil, to: NodeID? = nil) -> [Message] {
        queue.filter { $0.type == type && (from == nil || $0.from == from) && (to == nil || $0.to == to) }
    }
}

/// Payload helper: `count` bytes of `value`.
func payload(_ value: UInt8, count: Int = 8) -> [UInt8] {
    [UInt8](repeating: value, count: count)
}
