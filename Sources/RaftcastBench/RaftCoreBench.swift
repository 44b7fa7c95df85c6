import ArgumentParser
import Foundation
import Raft

/// `raftcast-bench raft-core`: throughput of the Raft core alone — three nodes
/// over `MemoryStorage` in one process, messages delivered at once — for small
/// entries and for fragment-sized entries. Prints entries/s, payload MB/s and
/// the time per entry, and, as a floor to compare with, the time to copy the
/// same payload bytes once per node (the core itself never copies payloads).
struct RaftCoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "raft-core",
        abstract: "Throughput of the Raft core: 3 in-memory nodes, proposals committed and applied everywhere.")

    @Option(help: "Entries to commit.")
    var entries = 20_000

    @Option(help: "Payload bytes per entry.")
    var payloadBytes = 100

    @Option(help: "Proposals per Ready round.")
    var batch = 16

    func validate() throws {
        guard entries > 0, payloadBytes >= 0, batch > 0 else {
            throw ValidationError("--entries and --batch must be positive, --payload-bytes not negative")
        }
    }

    func run() throws {
        var cluster = try BenchCluster(voters: [1, 2, 3])
        cluster.nodes[0].campaign()
        cluster.pump()
        guard cluster.nodes[0].role == .leader else { throw ValidationError("node 1 did not become leader") }
        let payload = [UInt8](repeating: 0x5A, count: payloadBytes)
        let start = ContinuousClock.now
        var proposed = 0
        while proposed < entries {
            for _ in 0..<min(batch, entries - proposed) {
                try cluster.nodes[0].propose(payload)
                proposed += 1
            }
            cluster.pump()
        }
        let elapsed = ContinuousClock.now - start
        let applied = cluster.appliedPayloads.min() ?? 0
        guard applied == entries else { throw ValidationError("only \(applied) of \(entries) entries applied everywhere") }

        // Floor: copying each payload once per node.
        let copyStart = ContinuousClock.now
        var sink: UInt8 = 0
        for _ in 0..<(entries * 3) {
            var copy = payload
            copy.withUnsafeMutableBufferPointer { if let first = $0.baseAddress { first.pointee &+= 1 } }
            sink &+= copy.first ?? 0
        }
        let copyElapsed = ContinuousClock.now - copyStart

        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let copySeconds = Double(copyElapsed.components.seconds) + Double(copyElapsed.components.attoseconds) / 1e18
        let megabytes = Double(entries * payloadBytes) / 1_000_000
        print("raft-core: \(entries) entries × \(payloadBytes) B, batch \(batch), 3 voters (sink \(sink))")
        print(String(format: "  committed and applied on all 3: %.3f s, %.0f entries/s, %.1f MB/s, %.2f µs/entry",
                     seconds, Double(entries) / seconds, megabytes / seconds, seconds * 1e6 / Double(entries)))
        print(String(format: "  copy floor (payload copied once per node): %.3f s; core / copy floor = %.1f",
                     copySeconds, seconds / max(copySeconds, 1e-9)))
    }
}

/// A three-node cluster pumped to quiescence in process (persist, send, apply, advance).
private struct BenchCluster {
    var nodes: [RaftNode]
    var storages: [MemoryStorage]
    var appliedPayloads: [Int]

    init(voters: [NodeID]) throws {
        storages = voters.map { _ in MemoryStorage(confState: ConfState(voters: voters)) }
        nodes = []
        for (slot, id) in voters.enumerated() {
            var config = Config(id: id)
            config.randomSeed = id
            config.maxInflightMessages = 1024
            nodes.append(try RaftNode(config: config, storage: storages[slot]))
        }
        appliedPayloads = Array(repeating: 0, count: voters.count)
    }

    mutating func pump() {
        var queue: [Message] = []
        var busy = true
        var rounds = 0
        while busy && rounds < 100_000 {
            busy = false
            rounds += 1
            for slot in nodes.indices where nodes[slot].hasReady {
                busy = true
                let ready = nodes[slot].ready()
                let storage = storages[slot]
                if let snapshot = ready.snapshot { try? storage.applySnapshot(snapshot) }
                try? storage.append(ready.entries)
                if let hardState = ready.hardState { try? storage.setHardState(hardState) }
                queue.append(contentsOf: ready.messages)
                for entry in ready.committedEntries where entry.kind == .normal && !entry.data.isEmpty {
                    appliedPayloads[slot] += 1
                }
                nodes[slot].advance(ready)
            }
            if !queue.isEmpty {
                busy = true
                let batch = queue
                queue = []
                for message in batch { nodes[Int(message.to - 1)].step(message) }
            }
        }
    }
}
