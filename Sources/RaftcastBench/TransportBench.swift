import ArgumentParser
import Dispatch
import Foundation
import Logging
import NIOCore
import Node
import Raft
import Transport

/// `raftcast-bench transport`: two transports on 127.0.0.1 — bulk throughput,
/// control-lane round trips while the bulk lane is saturated, and the Raft
/// message codec's speed. `scripts/bench-transport.sh` runs it beside iperf3.
struct TransportBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transport",
        abstract: "Transport throughput and control latency under bulk load; Raft message codec speed.")

    @Option(help: "Bulk payloads of 4 MiB to send.")
    var bulkMessages = 256

    @Option(help: "Control round trips to time (idle, then under bulk load).")
    var pings = 500

    func run() throws {
        let semaphore = DispatchSemaphore(value: 0)
        let outcome = LockedResult()
        let bulkMessages = bulkMessages, pings = pings
        Task {
            do {
                try await Self.measure(bulkMessages: bulkMessages, pings: pings)
            } catch {
                outcome.set(error)
            }
            semaphore.signal()
        }
        semaphore.wait()
        if let error = outcome.error { throw error }
        Self.measureCodec()
    }

    /// Carries an error out of the measuring task.
    final class LockedResult: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: (any Error)?
        var error: (any Error)? { lock.withLock { stored } }
        func set(_ error: any Error) { lock.withLock { stored = error } }
    }

    static func measure(bulkMessages: Int, pings: Int) async throws {
        let secret = Array("benchmark secret, 32 bytes long!".utf8)
        var logger = Logger(label: "raftcast.bench.transport")
        logger.logLevel = .warning
        func make(_ id: String, _ other: String) -> Transport {
            Transport(config: TransportConfig(
                clusterName: "bench", secret: secret, localID: id,
                listenAddress: PeerAddress(host: "127.0.0.1", port: 0),
                peers: [other: PeerAddress(host: "127.0.0.1", port: 1)],
                bulkQueue: .init(maxBytes: 64 << 20, maxMessages: 1024), logger: logger))
        }
        let a = make("a", "b"), b = make("b", "a")
        try await a.listen()
        try await b.listen()
        a.setPeerAddress(b.listeningAddress!, for: "b")
        b.setPeerAddress(a.listeningAddress!, for: "a")
        let bulkAtB = b.messages(on: .bulk)!
        let controlAtB = b.messages(on: .control)!
        let controlAtA = a.messages(on: .control)!
        try await a.start()
        try await b.start()
        let clock = ContinuousClock()
        let connectDeadline = clock.now + .seconds(10)
        while !(a.linkStatuses + b.linkStatuses).allSatisfy({ $0.state == .connected }) {
            guard clock.now < connectDeadline else { throw ValidationError("transports did not connect") }
            try await Task.sleep(for: .milliseconds(5))
        }

        // b echoes every control message back to a.
        let echo = Task {
            for await message in controlAtB { b.send(message.payload, to: "a", lane: .control) }
        }
        var pongs = controlAtA.makeAsyncIterator()
        func roundTrips(_ count: Int) async -> [Duration] {
            var samples: [Duration] = []
            for i in 0..<count {
                let start = clock.now
                a.send(ByteBuffer(integer: UInt64(i)), to: "b", lane: .control)
                guard await pongs.next() != nil else { break }
                samples.append(clock.now - start)
            }
            return samples
        }
        let idle = await roundTrips(pings)

        // Bulk: 4 MiB payloads as fast as the bounded queue admits them.
        let chunk = ByteBuffer(repeating: 0xA5, count: 4 << 20)
        let receiver = Task { () -> Int in
            var bytes = 0
            var count = 0
            for await message in bulkAtB {
                bytes += message.payload.readableBytes
                count += 1
                if count == bulkMessages { break }
            }
            return bytes
        }
        let bulkStart = clock.now
        let sender = Task {
            var sent = 0
            while sent < bulkMessages {
                if a.send(chunk, to: "b", lane: .bulk) == .queued { sent += 1 } else { await Task.yield() }
            }
        }
        try await Task.sleep(for: .milliseconds(50))  // let bulk data fill the pipe before timing pings
        let loaded = await roundTrips(pings)
        await sender.value
        let received = await receiver.value
        let bulkSeconds = seconds(clock.now - bulkStart)

        echo.cancel()
        await a.shutdown()
        await b.shutdown()

        let mib = Double(received) / Double(1 << 20)
        print(String(format: "transport bulk: %d x 4 MiB in %.3f s = %.0f MiB/s", bulkMessages, bulkSeconds, mib / bulkSeconds))
        print("transport control RTT idle:       " + summary(idle))
        print("transport control RTT under bulk: " + summary(loaded))
    }

    static func measureCodec() {
        let clock = ContinuousClock()
        let data = [UInt8](repeating: 0x5A, count: 4 << 20)
        let append = Message(type: .appendEntries, from: 1, to: 2, term: 3, logTerm: 3, index: 10,
                             entries: [Entry(term: 3, index: 11, data: data)], commit: 9)
        let rounds = 100
        var start = clock.now
        var encodedBytes = 0
        var encoded = RaftMessageCodec.encode(append)
        for _ in 0..<rounds {
            encoded = RaftMessageCodec.encode(append)
            encodedBytes += encoded.readableBytes
        }
        let encodeSeconds = seconds(clock.now - start)
        start = clock.now
        var decodedBytes = 0
        for _ in 0..<rounds {
            decodedBytes += (try? RaftMessageCodec.decode(encoded))?.entries[0].data.count ?? 0
        }
        let decodeSeconds = seconds(clock.now - start)
        let heartbeat = Message(type: .heartbeat, from: 1, to: 2, term: 3, commit: 9)
        let small = 1_000_000
        start = clock.now
        var checksum: UInt64 = 0
        for _ in 0..<small {
            let bytes = RaftMessageCodec.encode(heartbeat)
            checksum &+= (try? RaftMessageCodec.decode(bytes))?.commit ?? 0
        }
        let smallSeconds = seconds(clock.now - start)
        print(String(format: "codec 4 MiB appendEntries: encode %.2f GiB/s, decode %.2f GiB/s",
                     Double(encodedBytes) / Double(1 << 30) / encodeSeconds,
                     Double(decodedBytes) / Double(1 << 30) / decodeSeconds))
        print(String(format: "codec heartbeat encode+decode: %.2f M messages/s (checksum %llu)",
                     Double(small) / smallSeconds / 1e6, checksum))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func summary(_ samples: [Duration]) -> String {
        let sorted = samples.map(seconds).sorted()
        guard !sorted.isEmpty else { return "no samples" }
        func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1e6 }
        return String(format: "p50 %.0f µs, p99 %.0f µs, max %.0f µs (%d samples)",
                      percentile(0.5), percentile(0.99), sorted.last! * 1e6, sorted.count)
    }
}
