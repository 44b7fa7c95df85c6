import BinaryCoding

/// Catalogue entry, version 1 (all integers little endian; `str` = u16 length + UTF-8,
/// `blob` = u32 length + bytes, `f64` = IEEE-754 bit pattern):
///
///     offset  size  field
///     0       4     magic "RCCE"
///     4       1     version = 1
///     5       1     type: 1 stream started, 2 fragment, 3 stream ended, 4 stream removed, 5 queue
///     6       2     reserved = 0
///     8       8     stream id (u64; for a queue decision the stream it names, 0 for skip and stop)
///     16      …     body, by type:
///
///     1 stream started            2 fragment                   3 stream ended
///       str  name                   u64  index                   u64  fragment count
///       str  source file name       u32  record length N         f64  duration, seconds
///       u64  source size            N    Media fragment record
///       u8   hash length (32)            ("RCFG"), untouched;     4 stream removed
///       32   source SHA-256
///       i64  start, cluster ns           always at offset 28       (no body)
///       f64  fragment seconds
///       u64  expected fragments (2^64−1 = unknown)
///       u8   flags: bit0 paced,                                5 queue
///                   bit1 interrupts the programme (--now)          u8   command: 1 skip, 2 stop,
///       blob Media stream header record ("RCSH")                       3 remove, 4 move
///                                                                 u8×3 reserved = 0
///                                                                 i64  effect time, cluster ns
///                                                                 u64  position (move; else 0)
///
/// There is no checksum of its own: the log (RaftStorage's CRC-32C per record) guards the entry, and the
/// Media records inside carry their own CRC-32. Decoding checks every length against the bytes left and
/// refuses trailing bytes, unknown types, flags and versions.
extension CatalogueEntry {
    /// Magic of a catalogue entry.
    public static let magic: [UInt8] = Array("RCCE".utf8)
    /// The version this build writes and reads.
    public static let version: UInt8 = 1
    /// Bytes before the body (magic, version, type, reserved, stream id).
    static let prefixSize = 16
    /// Offset of the Media fragment record inside a fragment entry (prefix, index, length).
    public static let fragmentRecordOffset = 28

    enum EntryType: UInt8 {
        case streamStarted = 1
        case fragment = 2
        case streamEnded = 3
        case streamRemoved = 4
        case queue = 5
    }

    private enum StartFlag {
        static let paced: UInt8 = 1 << 0
        static let interrupts: UInt8 = 1 << 1
        static let known: UInt8 = 0x03
    }

    private enum QueueCode: UInt8 {
        case skip = 1
        case stop = 2
        case remove = 3
        case move = 4
    }

    private static let unknownCount = UInt64.max
    private static let what = "catalogue entry"

    /// The entry as a version-1 record.
    public func encoded() -> [UInt8] {
        switch self {
        case .streamStarted(let start):
            var w = Self.prefix(.streamStarted, start.id, capacity: 128 + start.headerRecord.count)
            w.string(start.name)
            w.string(start.source.fileName)
            w.u64(start.source.size)
            w.u8(UInt8(min(start.source.sha256.count, Int(UInt8.max))))
            w.bytes(start.source.sha256.prefix(Int(UInt8.max)))
            w.i64(start.startClusterTime.nanoseconds)
            w.f64(start.fragmentSeconds)
            w.u64(start.expectedFragmentCount.map { UInt64($0) } ?? Self.unknownCount)
            w.u8((start.isPaced ? StartFlag.paced : 0) | (start.interruptsProgramme ? StartFlag.interrupts : 0))
            w.lengthPrefixed(start.headerRecord)
            return w.buffer
        case let .fragment(stream, index, record):
            var w = Self.prefix(.fragment, stream, capacity: 12 + record.count)
            w.u64(UInt64(index))
            w.lengthPrefixed(record)
            return w.buffer
        case let .streamEnded(stream, fragmentCount, durationSeconds):
            var w = Self.prefix(.streamEnded, stream, capacity: 16)
            w.u64(UInt64(fragmentCount))
            w.f64(durationSeconds)
            return w.buffer
        case .streamRemoved(let stream):
            return Self.prefix(.streamRemoved, stream, capacity: 0).buffer
        case let .queue(command, at):
            var w = Self.prefix(.queue, command.stream ?? StreamID(0), capacity: 20)
            let code: QueueCode
            var position: UInt64 = 0
            switch command {
            case .skip: code = .skip
            case .stop: code = .stop
            case .remove: code = .remove
            case .move(_, let to):
                code = .move
                position = UInt64(max(to, 0))
            }
            w.u8(code.rawValue)
            w.bytes([0, 0, 0])
            w.i64(at.nanoseconds)
            w.u64(position)
            return w.buffer
        }
    }

    private static func prefix(_ type: EntryType, _ stream: StreamID, capacity: Int) -> LittleEndianWriter {
        var w = LittleEndianWriter(capacity: prefixSize + capacity)
        w.bytes(magic)
        w.u8(version)
        w.u8(type.rawValue)
        w.u16(0)
        w.u64(stream.rawValue)
        return w
    }

    /// Decodes a record made by `encoded()`. A fragment's record is a slice of `payload` (no copy).
    /// - Throws: `CatalogueDecodingError` for truncated, foreign, newer or malformed bytes.
    public init(decoding payload: ArraySlice<UInt8>) throws(CatalogueDecodingError) {
        var r = CatalogueByteReader(payload, what: Self.what)
        let found = Array(payload.prefix(4))
        guard found.count == 4 else { throw .truncated(Self.what, needed: Self.prefixSize, available: payload.count) }
        guard found == Self.magic else { throw .badMagic(Self.what, found: found) }
        _ = try r.slice(4)
        let version = try r.u8()
        guard version == Self.version else { throw .unsupportedVersion(Self.what, version) }
        let rawType = try r.u8()
        guard let type = EntryType(rawValue: rawType) else { throw .unknownType(Self.what, rawType) }
        let reserved = try r.u16()
        guard reserved == 0 else { throw .invalidField(Self.what, "reserved bytes \(reserved)") }
        let stream = StreamID(try r.u64())
        switch type {
        case .streamStarted:
            let name = try r.string("name")
            let fileName = try r.string("source file name")
            let size = try r.u64()
            let hashLength = Int(try r.u8())
            guard hashLength == 32 else { throw .invalidField(Self.what, "source SHA-256 of \(hashLength) bytes") }
            let hash = Array(try r.slice(hashLength))
            let start = try r.i64()
            let fragmentSeconds = try r.f64()
            guard fragmentSeconds.isFinite, fragmentSeconds > 0 else {
                throw .invalidField(Self.what, "fragment seconds \(fragmentSeconds)")
            }
            let expected = try r.u64()
            guard expected == Self.unknownCount || expected <= UInt64(Int.max) else {
                throw .invalidField(Self.what, "expected fragment count \(expected)")
            }
            let flags = try r.u8()
            guard flags & ~StartFlag.known == 0 else { throw .invalidField(Self.what, "start flags \(flags)") }
            let header = Array(try r.lengthPrefixed())
            try r.expectEnd()
            self = .streamStarted(
                CatalogueStreamStart(
                    id: stream, name: name, source: CatalogueSource(fileName: fileName, size: size, sha256: hash),
                    headerRecord: header, startClusterTime: ClusterTime(nanoseconds: start),
                    fragmentSeconds: fragmentSeconds,
                    expectedFragmentCount: expected == Self.unknownCount ? nil : Int(expected),
                    isPaced: flags & StartFlag.paced != 0, interruptsProgramme: flags & StartFlag.interrupts != 0))
        case .fragment:
            let index = try r.u64()
            guard index <= UInt64(Int.max) else { throw .invalidField(Self.what, "fragment index \(index)") }
            let record = try r.lengthPrefixed()
            try r.expectEnd()
            self = .fragment(stream: stream, index: Int(index), record: record)
        case .streamEnded:
            let count = try r.u64()
            guard count <= UInt64(Int.max) else { throw .invalidField(Self.what, "fragment count \(count)") }
            let duration = try r.f64()
            guard duration.isFinite, duration >= 0 else { throw .invalidField(Self.what, "duration \(duration)") }
            try r.expectEnd()
            self = .streamEnded(stream: stream, fragmentCount: Int(count), durationSeconds: duration)
        case .streamRemoved:
            try r.expectEnd()
            self = .streamRemoved(stream: stream)
        case .queue:
            let rawCode = try r.u8()
            guard let code = QueueCode(rawValue: rawCode) else { throw .invalidField(Self.what, "queue command \(rawCode)") }
            guard try r.slice(3).allSatisfy({ $0 == 0 }) else { throw .invalidField(Self.what, "queue reserved bytes") }
            let at = ClusterTime(nanoseconds: try r.i64())
            let position = try r.u64()
            try r.expectEnd()
            guard code == .move || position == 0 else { throw .invalidField(Self.what, "position \(position) for \(code)") }
            switch code {
            case .skip, .stop:
                guard stream.rawValue == 0 else { throw .invalidField(Self.what, "stream \(stream) for \(code)") }
                self = .queue(code == .skip ? .skip : .stop, at: at)
            case .remove:
                self = .queue(.remove(stream), at: at)
            case .move:
                guard position <= UInt64(Int32.max) else { throw .invalidField(Self.what, "position \(position)") }
                self = .queue(.move(stream, position: Int(position)), at: at)
            }
        }
    }

    /// Decodes a record made by `encoded()`.
    /// - Throws: `CatalogueDecodingError` for truncated, foreign, newer or malformed bytes.
    public init(decoding payload: [UInt8]) throws(CatalogueDecodingError) {
        try self.init(decoding: payload[...])
    }
}
