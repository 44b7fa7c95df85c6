import Raft

/// A three-node cluster in one thread for the Raft benchmark: MemoryStorage,
/// no faults, no clock. Messages go through a FIFO queue and are stepped into
/// their destination; every Ready is handled the way a node's I/O loop does
/// it (persist, send, apply, advance), minus real I/O.
struct RaftBenchCluster {
    private(set) var nodes: [RaftNode] = []
    private var storages: [MemoryStorage] = []
    private var queue: [Message] = []
    private var queueHead = 0
    /// Entries applied, per node.
    private(set) var applied: [UInt64]
    /// Payload bytes applied, per node.
    private(set) var appliedBytes: [UInt64]

    init(voters: Int, configure: (inout Config) -> Void) throws {
        let conf = ConfState(voters: (1...UInt64(voters)).map { $0 })
        applied = Array(repeating: 0, count: voters)
        appliedBytes = Array(repeating: 0, count: voters)
        for id in 1...UInt64(voters) {
            var config = Config(id: id)
            config.randomSeed = id
            configure(&config)
            try config.validate()
            let storage = MemoryStorage(confState: conf)
            storages.append(storage)
            nodes.append(try RaftNode(config: config, storage: storage))
        }
        nodes[0].campaign()
        try pump()
        guard nodes[0].role == .leader else { throw BenchError("node 1 did not become leader") }
    }

    /// Proposes `data` at the leader (node 1); false when it refuses (flow control).
    mutating func propose(_ data: [UInt8]) throws -> Bool {
        do {
            try nodes[0].propose(data)
            return true
        } catch .uncommittedSizeExceeded {
            return false
        } catch {
            throw BenchError("proposal refused: \(error)")
        }
    }

    /// Handles Readies and delivers messages until nothing is left to do.
    mutating func pump() throws {
        var rounds = 0
        while true {
            var progressed = false
            for i in nodes.indices where nodes[i].hasReady {
                try handleReady(i)
                progressed = true
            }
            while queueHead < queue.count {
                let m = queue[queueHead]
                queueHead += 1
                nodes[Int(m.to - 1)].step(m)
                progressed = true
            }
            queue.removeAll(keepingCapacity: true)
            queueHead = 0
            if !progressed { return }
            rounds += 1
            if rounds > 1_000_000 { throw BenchError("the cluster does not settle") }
        }
    }

    private mutating func handleReady(_ i: Int) throws {
        let ready = nodes[i].ready()
        let storage = storages[i]
        if let snap = ready.snapshot { try storage.applySnapshot(snap) }
        if !ready.entries.isEmpty { try storage.append(ready.entries) }
        if let hs = ready.hardState { try storage.setHardState(hs) }
        try storage.sync()
        queue.append(contentsOf: ready.messages)
        for e in ready.committedEntries {
            applied[i] += 1
            appliedBytes[i] += UInt64(e.data.count)
        }
        nodes[i].advance(ready)
        // Keep memory flat: drop what every node has applied.
        if let last = ready.committedEntries.last, last.index > 64 {
            let first = try storage.firstIndex()
            if last.index - 32 > first { try storage.compact(upTo: last.index - 32) }
        }
    }
}

/// A benchmark that could not run, with the reason.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
