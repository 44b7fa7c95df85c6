/// The on-disk format of the write-ahead log (version 1). docs/wal-format.md
/// draws the same diagrams and explains what is verified when.
///
/// A log directory holds:
///
///     wal-<sequence:16 hex>.seg              segments, sequence numbers consecutive
///     snap-<index:16 hex>-<term:16 hex>.snap snapshots (the newest valid one counts)
///     *.tmp                                  unfinished files (removed at open)
///
/// Segment file:
///
///     offset  size  field
///     +------+-----+------------------------------------------------+
///     |    0 |   8 | magic "RCWALSEG"                               |
///     |    8 |   4 | format version (u32 LE) = 1                    |
///     |   12 |   4 | reserved = 0                                   |
///     |   16 |   8 | sequence number of this segment (u64 LE)       |
///     |   24 |   4 | reserved = 0                                   |
///     |   28 |   4 | CRC-32C of bytes 0..<28                        |
///     +------+-----+------------------------------------------------+
///     |   32 |     | record, record, ... (each 8-byte aligned)      |
///     +------+-----+------------------------------------------------+
///
/// Record (header 32 bytes, then the payload, then zero padding to a multiple of 8):
///
///     offset  size  field
///     +------+-----+------------------------------------------------+
///     |    0 |   4 | payload length in bytes (u32 LE, no padding)   |
///     |    4 |   1 | record type (see RecordType)                   |
///     |    5 |   1 | entry kind (EntryKind raw value; 0 otherwise)  |
///     |    6 |   2 | reserved = 0                                   |
///     |    8 |   8 | index (u64 LE)                                 |
///     |   16 |   8 | term (u64 LE)                                  |
///     |   24 |   4 | CRC-32C of the payload                         |
///     |   28 |   4 | CRC-32C of header bytes 0..<28                 |
///     |   32 |   n | payload                                        |
///     |      | pad | zeros up to the next multiple of 8             |
///     +------+-----+------------------------------------------------+
///
/// Record types and their fields:
///
///     type        index            term           payload
///     entry   1   entry index      entry term     the entry's data
///     hardState 2 0                0              term, vote, commit (3 × u64 LE)
///     logStart 3  compaction point its term       empty
///     seal    4   next sequence    0              empty
///
/// `logStart(i, t)` says "entries up to i are gone; the log continues after
/// (i, t)": entries ≤ i are dropped, and if the entry at i does not have term t
/// every entry is dropped. It is written by compaction and by applying a
/// snapshot, and repeated (with the hard state) at the head of every segment so
/// that removing old segments never loses them. `seal` ends a full segment once
/// its successor exists durably: a sealed last segment means a lost successor.
public enum WALFormat {
    /// The version written in every segment and snapshot header.
    public static let version: UInt32 = 1
    /// Segment magic, bytes 0..<8 of a segment.
    public static let segmentMagic: [UInt8] = Array("RCWALSEG".utf8)
    /// Snapshot magic, bytes 0..<8 of a snapshot file.
    public static let snapshotMagic: [UInt8] = Array("RCWALSNP".utf8)
    /// Size of the segment header.
    public static let segmentHeaderSize = 32
    /// Size of a record header.
    public static let recordHeaderSize = 32
    /// Records start at multiples of this.
    public static let recordAlignment = 8
    /// The largest payload a record may declare (a sanity bound on the length field).
    public static let maxPayloadSize: UInt32 = 1 << 30
    /// Size of a hard state payload.
    public static let hardStatePayloadSize = 24

    /// Segment file name for a sequence number.
    public static func segmentName(_ sequence: UInt64) -> String {
        "wal-" + hex16(sequence) + ".seg"
    }

    /// The sequence number of a segment file name, or nil for other names.
    public static func segmentSequence(_ name: String) -> UInt64? {
        guard name.hasPrefix("wal-"), name.hasSuffix(".seg"), name.count == 4 + 16 + 4 else { return nil }
        return UInt64(name.dropFirst(4).prefix(16), radix: 16)
    }

    /// Snapshot file name for an index and term.
    public static func snapshotName(index: UInt64, term: UInt64) -> String {
        "snap-" + hex16(index) + "-" + hex16(term) + ".snap"
    }

    /// The (index, term) of a snapshot file name, or nil for other names.
    public static func snapshotPosition(_ name: String) -> (index: UInt64, term: UInt64)? {
        guard name.hasPrefix("snap-"), name.hasSuffix(".snap"), name.count == 5 + 16 + 1 + 16 + 5 else { return nil }
        let body = name.dropFirst(5)
        guard let index = UInt64(body.prefix(16), radix: 16),
              let term = UInt64(body.dropFirst(17).prefix(16), radix: 16) else { return nil }
        return (index, term)
    }

    static func hex16(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    /// Bytes a record with `payloadLength` takes on disk, header and padding included.
    public static func recordSize(payloadLength: Int) -> Int {
        let raw = recordHeaderSize + payloadLength
        return (raw + recordAlignment - 1) / recordAlignment * recordAlignment
    }
}

/// The type byte of a record.
public enum RecordType: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case entry = 1
    case hardState = 2
    case logStart = 3
    case seal = 4

    public var description: String {
        switch self {
        case .entry: "entry"
        case .hardState: "hard-state"
        case .logStart: "log-start"
        case .seal: "seal"
        }
    }
}

/// A decoded record header (see ``WALFormat``).
public struct RecordHeader: Sendable, Hashable {
    public var length: UInt32
    public var type: RecordType
    public var kind: UInt8
    public var index: UInt64
    public var term: UInt64
    public var payloadCRC: UInt32

    /// A header with the given fields (its own CRC is computed by ``encode(into:)``).
    public init(length: UInt32, type: RecordType, kind: UInt8 = 0, index: UInt64 = 0, term: UInt64 = 0, payloadCRC: UInt32) {
        self.length = length
        self.type = type
        self.kind = kind
        self.index = index
        self.term = term
        self.payloadCRC = payloadCRC
    }

    /// Why 32 bytes are not a valid record header.
    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        case headerCRC(stored: UInt32, computed: UInt32)
        case unknownType(UInt8)
        case badLength(UInt32)
        case reservedNotZero

        public var description: String {
            switch self {
            case let .headerCRC(stored, computed): "header CRC mismatch (stored \(hex32(stored)), computed \(hex32(computed)))"
            case let .unknownType(t): "unknown record type \(t)"
            case let .badLength(n): "implausible payload length \(n)"
            case .reservedNotZero: "reserved header bytes not zero"
            }
        }
    }

    /// Appends the 32 header bytes to `out`.
    public func encode(into out: inout [UInt8]) {
        let start = out.count
        out.appendLE(length)
        out.append(type.rawValue)
        out.append(kind)
        out.append(0); out.append(0)
        out.appendLE(index)
        out.appendLE(term)
        out.appendLE(payloadCRC)
        let crc = out.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start..<start + 28])) }
        out.appendLE(crc)
    }

    /// Decodes 32 header bytes, checking the header CRC first.
    public static func decode(_ raw: UnsafeRawBufferPointer) -> Result<RecordHeader, Problem> {
        precondition(raw.count >= WALFormat.recordHeaderSize)
        let stored = raw.loadLE(UInt32.self, at: 28)
        let computed = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<28]))
        if stored != computed { return .failure(.headerCRC(stored: stored, computed: computed)) }
        let typeByte = raw[4]
        guard let type = RecordType(rawValue: typeByte) else { return .failure(.unknownType(typeByte)) }
        if raw[6] != 0 || raw[7] != 0 { return .failure(.reservedNotZero) }
        let length = raw.loadLE(UInt32.self, at: 0)
        if length > WALFormat.maxPayloadSize { return .failure(.badLength(length)) }
        return .success(RecordHeader(
            length: length, type: type, kind: raw[5], index: raw.loadLE(UInt64.self, at: 8),
            term: raw.loadLE(UInt64.self, at: 16), payloadCRC: raw.loadLE(UInt32.self, at: 24)))
    }
}

/// The 32-byte header at the start of every segment.
public struct SegmentHeader: Sendable, Hashable {
    public var version: UInt32
    public var sequence: UInt64

    /// The header of segment `sequence`.
    public init(sequence: UInt64, version: UInt32 = WALFormat.version) {
        self.version = version
        self.sequence = sequence
    }

    /// The 32 header bytes.
    public var encoded: [UInt8] {
        var out = WALFormat.segmentMagic
        out.appendLE(version)
        out.appendLE(UInt32(0))
        out.appendLE(sequence)
        out.appendLE(UInt32(0))
        out.appendLE(CRC32C.checksum(out))
        return out
    }

    /// Decodes and checks a segment header; the error says what is wrong.
    public static func decode(_ raw: [UInt8]) -> Result<SegmentHeader, SegmentHeaderProblem> {
        guard raw.count >= WALFormat.segmentHeaderSize else { return .failure(SegmentHeaderProblem("segment header truncated (\(raw.count) of 32 bytes)")) }
        guard Array(raw[0..<8]) == WALFormat.segmentMagic else { return .failure(SegmentHeaderProblem("not a raftcast WAL segment (bad magic)")) }
        let (stored, computed) = raw.withUnsafeBytes { ($0.loadLE(UInt32.self, at: 28), CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<28]))) }
        guard stored == computed else { return .failure(SegmentHeaderProblem("segment header CRC mismatch (stored \(hex32(stored)), computed \(hex32(computed)))")) }
        let version = raw.withUnsafeBytes { $0.loadLE(UInt32.self, at: 8) }
        guard version == WALFormat.version else { return .failure(SegmentHeaderProblem("unsupported format version \(version) (this build reads \(WALFormat.version))")) }
        return .success(SegmentHeader(sequence: raw.withUnsafeBytes { $0.loadLE(UInt64.self, at: 16) }, version: version))
    }
}

/// Why 32 bytes are not a valid segment header.
public struct SegmentHeaderProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

func hex32(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - s.count) + s
}

extension Array where Element == UInt8 {
    mutating func appendLE<T: FixedWidthInteger>(_ v: T) {
        Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) }
    }
}

extension UnsafeRawBufferPointer {
    func loadLE<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
