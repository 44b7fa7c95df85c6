import NIOCore
import Raft

/// The binary wire format of a Raft ``Message``: versioned, little-endian,
/// fixed header then variable parts. Decoding never traps on hostile bytes:
/// every read is bounds-checked and every count is checked against the bytes
/// that remain before anything is allocated for it.
///
/// ```
/// message (71-byte fixed header, then entries, then the optional snapshot)
///  off  size
///    0     1  version (= 1)
///    1     1  type (MessageType raw value, 1...10)
///    2     1  flags: bit 0 reject, bit 1 has snapshot, bit 2 log loss
///              (Message.logLoss, on rejected appendResponse only); other bits must be 0
///    3     8  from          u64
///   11     8  to            u64
///   19     8  term          u64
///   27     8  logTerm       u64
///   35     8  index         u64
///   43     8  commit        u64
///   51     8  rejectHint    u64
///   59     8  context       u64
///   67     4  entry count   u32
///   71     …  entries, each:
///              +----------+-----------+---------+-------------+-------------+
///              | term u64 | index u64 | kind u8 | length u32  | data bytes  |
///              +----------+-----------+---------+-------------+-------------+
///     …     …  snapshot (when flags bit 1):
///              +-----------+----------+------------+------------+-------------+--------------+------------+-------+
///              | index u64 | term u64 | voters u32 | voter ids  | learners u32| learner ids  | length u32 | data  |
///              |           |          |            | u64 each   |             | u64 each     |            |       |
///              +-----------+----------+------------+------------+-------------+--------------+------------+-------+
/// ```
///
/// Voter and learner ids are strictly increasing (as ``ConfState`` keeps
/// them). The message must end exactly after its last part (no trailing
/// bytes). So every message has exactly one encoding.
///
/// Compatibility: bit 2 was added without a version change. A message without
/// it encodes exactly as before, so older nodes read everything a newer node
/// sends except the rejection of a node recovering from a log loss, which they
/// drop as invalid (and so, as before, do not resend it the lost entries).
public enum RaftMessageCodec {
    /// The format version written by this build.
    public static let version: UInt8 = 1
    /// Bytes of the fixed header.
    public static let headerSize = 71
    /// Bytes of an entry without its data.
    public static let entryHeaderSize = 21
    /// Bytes of a snapshot with no members and no data.
    public static let snapshotHeaderSize = 28

    static let flagReject: UInt8 = 1 << 0
    static let flagSnapshot: UInt8 = 1 << 1
    static let flagLogLoss: UInt8 = 1 << 2

    /// Bytes ``encode(_:into:)`` writes for `message`.
    public static func encodedSize(of message: Message) -> Int {
        var size = headerSize
        for entry in message.entries { size += entryHeaderSize + entry.data.count }
        if let snapshot = message.snapshot {
            size += snapshotHeaderSize + 8 * (snapshot.metadata.confState.voters.count + snapshot.metadata.confState.learners.count)
                + snapshot.data.count
        }
        return size
    }

    /// `message` encoded into a new buffer (payload bytes copied once, into it).
    public static func encode(_ message: Message, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: encodedSize(of: message))
        encode(message, into: &buffer)
        return buffer
    }

    /// Appends `message` to `buffer`.
    public static func encode(_ message: Message, into buffer: inout ByteBuffer) {
        encodeHeader(message, into: &buffer)
        encodeEntries(message.entries, into: &buffer)
        if let snapshot = message.snapshot {
            buffer.writeInteger(snapshot.metadata.index, endianness: .little)
            buffer.writeInteger(snapshot.metadata.term, endianness: .little)
            for ids in [snapshot.metadata.confState.voters, snapshot.metadata.confState.learners] {
                buffer.writeInteger(UInt32(ids.count), endianness: .little)
                for id in ids { buffer.writeInteger(id, endianness: .little) }
            }
            buffer.writeInteger(UInt32(snapshot.data.count), endianness: .little)
            buffer.writeBytes(snapshot.data)
        }
    }

    /// Appends the fixed header of `message` (``headerSize`` bytes, up to and including the entry count).
    static func encodeHeader(_ message: Message, into buffer: inout ByteBuffer) {
        buffer.writeInteger(version)
        buffer.writeInteger(message.type.rawValue)
        var flags: UInt8 = 0
        if message.reject { flags |= flagReject }
        if message.snapshot != nil { flags |= flagSnapshot }
        if message.logLoss { flags |= flagLogLoss }
        buffer.writeInteger(flags)
        for value in [message.from, message.to, message.term, message.logTerm, message.index, message.commit,
                      message.rejectHint, message.context] {
            buffer.writeInteger(value, endianness: .little)
        }
        buffer.writeInteger(UInt32(message.entries.count), endianness: .little)
    }

    /// Appends the entries part (what follows the fixed header when there is no snapshot).
    static func encodeEntries(_ entries: [Entry], into buffer: inout ByteBuffer) {
        for entry in entries {
            buffer.writeInteger(entry.term, endianness: .little)
            buffer.writeInteger(entry.index, endianness: .little)
            buffer.writeInteger(entry.kind.rawValue)
            buffer.writeInteger(UInt32(entry.data.count), endianness: .little)
            buffer.writeBytes(entry.data)
        }
    }

    /// Decodes one message that spans all readable bytes of `buffer` (for
    /// example a transport payload). Entry and snapshot data are copied once,
    /// out of the buffer.
    public static func decode(_ buffer: ByteBuffer) throws(RaftMessageCodecError) -> Message {
        let result: Result<Message, RaftMessageCodecError> = buffer.withUnsafeReadableBytes { bytes in
            Result { () throws(RaftMessageCodecError) -> Message in try decode(bytes: bytes) }
        }
        return try result.get()
    }

    /// Decodes one message that spans all of `bytes`.
    public static func decode(_ bytes: [UInt8]) throws(RaftMessageCodecError) -> Message {
        let result: Result<Message, RaftMessageCodecError> = bytes.withUnsafeBytes { raw in
            Result { () throws(RaftMessageCodecError) -> Message in try decode(bytes: raw) }
        }
        return try result.get()
    }

    /// Decodes one message that spans all of `bytes`.
    public static func decode(bytes: UnsafeRawBufferPointer) throws(RaftMessageCodecError) -> Message {
        var reader = BoundedReader(bytes: bytes)
        let version = try reader.readByte()
        guard version == Self.version else { throw .unsupportedVersion(version) }
        let typeByte = try reader.readByte()
        guard let type = MessageType(rawValue: typeByte) else { throw .unknownMessageType(typeByte) }
        let flags = try reader.readByte()
        guard flags & ~(flagReject | flagSnapshot | flagLogLoss) == 0 else { throw .invalidFlags(flags) }
        // Log loss qualifies a rejection of an append, and nothing else.
        guard flags & flagLogLoss == 0 || (type == .appendResponse && flags & flagReject != 0) else {
            throw .invalidFlags(flags)
        }
        let from = try reader.readUInt64()
        let to = try reader.readUInt64()
        let term = try reader.readUInt64()
        let logTerm = try reader.readUInt64()
        let index = try reader.readUInt64()
        let commit = try reader.readUInt64()
        let rejectHint = try reader.readUInt64()
        let context = try reader.readUInt64()
        let entryCount = try reader.readCount(minimumBytesEach: entryHeaderSize, what: "entries")
        var entries: [Entry] = []
        entries.reserveCapacity(entryCount)
        for _ in 0..<entryCount {
            let entryTerm = try reader.readUInt64()
            let entryIndex = try reader.readUInt64()
            let kindByte = try reader.readByte()
            guard let kind = EntryKind(rawValue: kindByte) else { throw .unknownEntryKind(kindByte) }
            let length = try reader.readCount(minimumBytesEach: 1, what: "entry data bytes")
            let data = try reader.readBytes(length)
            entries.append(Entry(term: entryTerm, index: entryIndex, kind: kind, data: data))
        }
        var snapshot: Snapshot?
        if flags & flagSnapshot != 0 {
            let snapshotIndex = try reader.readUInt64()
            let snapshotTerm = try reader.readUInt64()
            var members: [[NodeID]] = []
            for what in ["voters", "learners"] {
                let count = try reader.readCount(minimumBytesEach: 8, what: what)
                var ids: [NodeID] = []
                ids.reserveCapacity(count)
                for _ in 0..<count {
                    let id = try reader.readUInt64()
                    // Canonical form: strictly increasing (ConfState keeps its lists sorted, without repeats).
                    if let last = ids.last, id <= last { throw .membersNotSorted(what) }
                    ids.append(id)
                }
                members.append(ids)
            }
            let length = try reader.readCount(minimumBytesEach: 1, what: "snapshot data bytes")
            let data = try reader.readBytes(length)
            snapshot = Snapshot(
                metadata: SnapshotMetadata(index: snapshotIndex, term: snapshotTerm,
                                           confState: ConfState(voters: members[0], learners: members[1])),
                data: data)
        }
        guard reader.remaining == 0 else { throw .trailingBytes(reader.remaining) }
        return Message(type: type, from: from, to: to, term: term, logTerm: logTerm, index: index, entries: entries,
                       commit: commit, reject: flags & flagReject != 0, rejectHint: rejectHint, snapshot: snapshot,
                       context: context, logLoss: flags & flagLogLoss != 0)
    }
}
