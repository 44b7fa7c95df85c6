import Broadcast
import Crypto
import Foundation
import NIOConcurrencyHelpers

/// The fMP4 segments this node remuxed for HLS, kept so that a segment is remuxed once per node, not
/// once per request: a small LRU keyed by stream and fragment index (the init segment as index -1),
/// bounded in entries. Segments are immutable (a pure function of the committed header and fragment),
/// so an entry is never stale; a removed stream's entries age out. A miss is single-flight: requests for a
/// segment that is being remuxed wait for that remux (and get its bytes or its error) instead of starting
/// their own, so a new segment that many players ask for at once is still remuxed once.
final class HLSSegmentCache: Sendable {
    /// One remuxed segment and its entity tag.
    struct Segment: Sendable {
        var bytes: [UInt8]
        /// `"sha256-…"`, quoted: the SHA-256 of the bytes (the same on every node).
        var etag: String

        init(bytes: [UInt8]) {
            self.bytes = bytes
            let digest = SHA256.hash(data: bytes)
            etag = "\"" + digest.map { String($0, radix: 16).leftPadded(to: 2) }.joined() + "\""
        }
    }

    struct Key: Hashable, Sendable {
        var stream: StreamID
        /// The fragment index, -1 for the init segment.
        var index: Int
    }

    private struct State {
        var entries: [Key: (segment: Segment, lastUse: UInt64)] = [:]
        var clock: UInt64 = 0
        var remuxes = 0
        /// Remuxes under way, the requests waiting for them.
        var inFlight: [Key: Flight] = [:]
        var waiting = 0
    }

    /// One remux under way: its outcome, once known, for the requests that wait for it.
    private final class Flight: @unchecked Sendable {
        private let condition = NSCondition()
        private var outcome: Result<Segment, any Error>?

        func finish(_ result: Result<Segment, any Error>) {
            condition.lock()
            outcome = result
            condition.broadcast()
            condition.unlock()
        }

        func wait() -> Result<Segment, any Error> {
            condition.lock()
            defer { condition.unlock() }
            while outcome == nil { condition.wait() }
            return outcome!
        }
    }

    private enum Lookup {
        case hit(Segment)
        case wait(Flight)
        case make(Flight)
    }

    /// Most segments kept (about 64 × a 2-second fragment's bytes).
    let capacity: Int
    private let state = NIOLockedValueBox(State())

    init(capacity: Int = 64) { self.capacity = max(1, capacity) }

    /// How many segments were remuxed (cache misses), for tests and metrics.
    var remuxCount: Int { state.withLockedValue { $0.remuxes } }

    /// Requests waiting for another request's remux (for tests).
    var waitingCount: Int { state.withLockedValue { $0.waiting } }

    /// The segment under `key`, made by `make` when not cached. While one request's `make` runs, the
    /// others for the same key wait for it and share its bytes, or its error (nothing is cached then).
    func segment(_ key: Key, make: () throws -> [UInt8]) throws -> Segment {
        let lookup = state.withLockedValue { state -> Lookup in
            state.clock += 1
            if let found = state.entries[key] {
                state.entries[key]?.lastUse = state.clock
                return .hit(found.segment)
            }
            if let flight = state.inFlight[key] {
                state.waiting += 1
                return .wait(flight)
            }
            let flight = Flight()
            state.inFlight[key] = flight
            return .make(flight)
        }
        switch lookup {
        case .hit(let segment):
            return segment
        case .wait(let flight):
            defer { state.withLockedValue { $0.waiting -= 1 } }
            return try flight.wait().get()
        case .make(let flight):
            let result = Result { Segment(bytes: try make()) }
            state.withLockedValue { state in
                state.inFlight[key] = nil
                guard case .success(let segment) = result else { return }
                state.clock += 1
                state.remuxes += 1
                state.entries[key] = (segment, state.clock)
                if state.entries.count > capacity,
                    let oldest = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key
                {
                    state.entries.removeValue(forKey: oldest)
                }
            }
            flight.finish(result)
            return try result.get()
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
