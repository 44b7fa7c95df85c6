import NIOConcurrencyHelpers
import NIOCore
import Raft

/// Encodes Raft messages for the transport as parts (``Transport/Transport/send(parts:to:lane:)``): a
/// message that carries entries goes out as its own fixed header (``RaftMessageCodec/headerSize`` bytes)
/// followed by the encoded entries, and the entries part is kept for the next message that carries the
/// same entries. A leader's Ready sends the same new entries to every follower: they are encoded (copied)
/// once, and each follower's frame is written from that one buffer. The bytes on the wire are exactly
/// ``RaftMessageCodec/encode(_:into:)``'s.
///
/// The same entries: same first index, same last index and term, same count and byte total. A Raft log
/// holds at most one entry for an index and term (one leader per term, which never rewrites its own
/// entries), and the log matching property makes the rest of the run equal too. One run is kept (the
/// last), so the memory held is at most one message's entries.
public final class RaftMessageEncoder: Sendable {
    /// What identifies a run of entries (see the type's documentation).
    private struct RunKey: Hashable {
        var firstIndex: UInt64
        var lastIndex: UInt64
        var lastTerm: UInt64
        var count: Int
        var bytes: Int
    }

    private let last = NIOLockedValueBox<(key: RunKey, entries: ByteBuffer)?>(nil)
    private let allocator = ByteBufferAllocator()

    public init() {}

    /// The parts whose concatenation is `RaftMessageCodec.encode(message)`.
    public func parts(of message: Message) -> [ByteBuffer] {
        guard message.snapshot == nil, let first = message.entries.first, let lastEntry = message.entries.last else {
            return [RaftMessageCodec.encode(message, allocator: allocator)]
        }
        var head = allocator.buffer(capacity: RaftMessageCodec.headerSize)
        RaftMessageCodec.encodeHeader(message, into: &head)
        let bytes = message.entries.reduce(0) { $0 + $1.data.count }
        let key = RunKey(
            firstIndex: first.index, lastIndex: lastEntry.index, lastTerm: lastEntry.term, count: message.entries.count,
            bytes: bytes)
        if let kept = last.withLockedValue({ $0 }), kept.key == key { return [head, kept.entries] }
        var entries = allocator.buffer(capacity: message.entries.count * RaftMessageCodec.entryHeaderSize + bytes)
        RaftMessageCodec.encodeEntries(message.entries, into: &entries)
        last.withLockedValue { $0 = (key, entries) }
        return [head, entries]
    }
}
