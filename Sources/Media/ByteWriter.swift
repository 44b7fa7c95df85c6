/// Appends little-endian integers and byte strings to a growing buffer.
struct ByteWriter {
    private(set) var buffer: [UInt8] = []

    init(capacity: Int) { buffer.reserveCapacity(capacity) }

    var count: Int { buffer.count }

    mutating func u8(_ v: UInt8) { buffer.append(v) }
    mutating func u16(_ v: UInt16) { appendLE(v) }
    mutating func u32(_ v: UInt32) { appendLE(v) }
    mutating func u64(_ v: UInt64) { appendLE(v) }
    mutating func i32(_ v: Int32) { appendLE(UInt32(bitPattern: v)) }
    mutating func i64(_ v: Int64) { appendLE(UInt64(bitPattern: v)) }
    mutating func bytes(_ v: [UInt8]) { buffer.append(contentsOf: v) }

    /// A u32 length followed by the bytes.
    mutating func lengthPrefixed(_ v: [UInt8]) {
        u32(UInt32(v.count))
        buffer.append(contentsOf: v)
    }

    /// A u16 length followed by UTF-8.
    mutating func string(_ s: String) {
        let utf8 = Array(s.utf8.prefix(Int(UInt16.max)))
        u16(UInt16(utf8.count))
        buffer.append(contentsOf: utf8)
    }

    mutating func patchU32(_ v: UInt32, at offset: Int) {
        for i in 0..<4 { buffer[offset + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
    }

    private mutating func appendLE<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { buffer.append(contentsOf: $0) }
    }
}
