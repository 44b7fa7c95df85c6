import CFFmpeg
import BinaryCoding

/// The envelope every raftcast media record shares (all integers little endian):
///
///     offset  size  field
///     0       4     magic: "RCSH" stream header, "RCFG" fragment
///     4       2     version (u16) = 1
///     6       2     reserved (u16) = 0
///     8       4     body length N (u32)
///     12      N     body (layout per record kind, see docs/media-format.md)
///     12+N    4     CRC-32 (IEEE, as zlib) of bytes 0 ..< 12+N
///
/// A reader checks, in this order: length ≥ 16 (else truncated), magic, version,
/// length ≥ 16 + N (else truncated), CRC, then parses the body; trailing bytes after
/// the CRC are an error.
enum WireFormat {
    /// The version this build writes and reads.
    static let version: UInt16 = 1
    /// Magic of a stream header record.
    static let streamHeaderMagic: [UInt8] = Array("RCSH".utf8)
    /// Magic of a fragment record.
    static let fragmentMagic: [UInt8] = Array("RCFG".utf8)
    /// Bytes before the body.
    static let headerSize = 12
    /// Bytes after the body.
    static let trailerSize = 4

    /// CRC-32 of `bytes`.
    static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return 0 }
        return rc_crc32_ieee(0, base.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    /// Wraps a body written by `writeBody` into a record with `magic`.
    static func seal(magic: [UInt8], capacity: Int, writeBody: (inout LittleEndianWriter) -> Void) -> [UInt8] {
        var writer = LittleEndianWriter(capacity: capacity + headerSize + trailerSize)
        writer.bytes(magic)
        writer.u16(version)
        writer.u16(0)
        writer.u32(0)  // body length, patched below
        writeBody(&writer)
        let bodyLength = writer.count - headerSize
        writer.patchU32(UInt32(bodyLength), at: 8)
        let crc = writer.buffer.withUnsafeBytes { crc32($0) }
        writer.u32(crc)
        return writer.buffer
    }

    /// Checks the envelope of `record` and returns a reader over its body.
    static func open(_ record: UnsafeRawBufferPointer, magic: [UInt8], kind: String) throws(WireFormatError)
        -> ByteReader
    {
        let minimum = headerSize + trailerSize
        guard record.count >= 4 else {
            throw .truncated(needed: minimum, available: record.count)
        }
        let found = Array(record[0..<4])
        guard found == magic else { throw .badMagic(expected: kind, found: found) }
        guard record.count >= minimum else { throw .truncated(needed: minimum, available: record.count) }
        var header = ByteReader(record, range: 4..<headerSize)
        let version = try header.u16()
        guard version == Self.version else { throw .unsupportedVersion(version) }
        _ = try header.u16()
        let bodyLength = Int(try header.u32())
        let total = headerSize + bodyLength + trailerSize
        guard record.count >= total else { throw .truncated(needed: total, available: record.count) }
        guard record.count == total else {
            throw .invalidField("\(record.count - total) bytes after the end of the record")
        }
        var trailer = ByteReader(record, range: (total - trailerSize)..<total)
        let stored = try trailer.u32()
        let computed = crc32(UnsafeRawBufferPointer(rebasing: record[0..<(total - trailerSize)]))
        guard stored == computed else { throw .checksumMismatch(stored: stored, computed: computed) }
        return ByteReader(record, range: headerSize..<(headerSize + bodyLength))
    }
}
