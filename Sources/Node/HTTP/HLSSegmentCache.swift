import Broadcast
import Crypto
import NIOConcurrencyHelpers

/// The fMP4 segments this node remuxed for HLS, kept so that a segment is remuxed once per node, not
/// once per request: a small LRU keyed by stream and fragment index (the init segment as index -1),
/// bounded in entries. Segments are immutable (a pure function of the committed header and fragment),
/// so an entry is never stale; a removed stream's entries age out.
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
    }

    /// Most segments kept (about 64 × a 2-second fragment's bytes).
    let capacity: Int
    private let state = NIOLockedValueBox(State())

    init(capacity: Int = 64) { self.capacity = max(1, capacity) }

    /// How many segments were remuxed (cache misses), for tests and metrics.
    var remuxCount: Int { state.withLockedValue { $0.remuxes } }

    /// The segment under `key`, made by `make` when not cached. Two requests missing at once may both
    /// remux; they get the same bytes.
    func segment(_ key: Key, make: () throws -> [UInt8]) rethrows -> Segment {
        if let hit = state.withLockedValue({ state -> Segment? in
            state.clock += 1
            guard let found = state.entries[key] else { return nil }
            state.entries[key]?.lastUse = state.clock
            return found.segment
        }) {
            return hit
        }
        let segment = Segment(bytes: try make())
        state.withLockedValue { state in
            state.clock += 1
            state.remuxes += 1
            state.entries[key] = (segment, state.clock)
            if state.entries.count > capacity,
                let oldest = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key
            {
                state.entries.removeValue(forKey: oldest)
            }
        }
        return segment
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
