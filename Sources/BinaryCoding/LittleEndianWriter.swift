/// Appends little-endian integers, floats and byte strings to a growing buffer: the writing half of
/// raftcast's binary formats (Media's stream-header and fragment records, Broadcast's catalogue
/// entries and snapshots). Each format draws its own layout next to its constants; this type only
/// knows how one field is laid out:
///
/// ```
/// u8/u16/u32/u64, i32/i64   little endian, two's complement
/// f64                       the IEEE-754 bit pattern as a u64 (round-trips exactly)
/// lengthPrefixed            u32 byte count, then the bytes
/// string                    u16 byte count, then UTF-8 (cut at 65 535 bytes on a character boundary)
/// ```
public struct LittleEndianWriter: Sendable {
    /// The bytes written so far.
    public var buffer: [UInt8] = []

    /// An empty writer with room for `capacity` bytes.
    @inlinable
    public init(capacity: Int) { buffer.reserveCapacity(capacity) }

    /// Bytes written so far.
    @inlinable
    public var count: Int { buffer.count }

    @inlinable public mutating func u8(_ v: UInt8) { buffer.append(v) }
    @inlinable public mutating func u16(_ v: UInt16) { appendLittleEndian(v) }
    @inlinable public mutating func u32(_ v: UInt32) { appendLittleEndian(v) }
    @inlinable public mutating func u64(_ v: UInt64) { appendLittleEndian(v) }
    @inlinable public mutating func i32(_ v: Int32) { appendLittleEndian(UInt32(bitPattern: v)) }
    @inlinable public mutating func i64(_ v: Int64) { appendLittleEndian(UInt64(bitPattern: v)) }
    /// An IEEE-754 double as its bit pattern.
    @inlinable public mutating func f64(_ v: Double) { appendLittleEndian(v.bitPattern) }

    /// Raw bytes, no length.
    @inlinable
    public mutating func bytes<C: Collection>(_ v: C) where C.Element == UInt8 { buffer.append(contentsOf: v) }

    /// A u32 length followed by the bytes.
    @inlinable
    public mutating func lengthPrefixed<C: Collection>(_ v: C) where C.Element == UInt8 {
        u32(UInt32(v.count))
        buffer.append(contentsOf: v)
    }

    /// A u16 length followed by UTF-8, cut at 65 535 bytes on a character boundary.
    public mutating func string(_ s: String) {
        var utf8 = Array(s.utf8)
        if utf8.count > Int(UInt16.max) {
            utf8 = Array(utf8.prefix(Int(UInt16.max)))
            while !utf8.isEmpty, String(validating: utf8, as: UTF8.self) == nil { utf8.removeLast() }
        }
        u16(UInt16(utf8.count))
        buffer.append(contentsOf: utf8)
    }

    /// Overwrites the u32 at `offset` (a length known only once the body is written).
    @inlinable
    public mutating func patchU32(_ v: UInt32, at offset: Int) {
        for i in 0..<4 { buffer[offset + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
    }

    @inlinable
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { buffer.append(contentsOf: $0) }
    }
}
