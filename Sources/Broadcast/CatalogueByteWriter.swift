/// Appends little-endian integers and byte strings to a growing buffer (catalogue entries and snapshots).
struct CatalogueByteWriter {
    private(set) var buffer: [UInt8] = []

    init(capacity: Int) { buffer.reserveCapacity(capacity) }

    var count: Int { buffer.count }

    mutating func u8(_ v: UInt8) { buffer.append(v) }
    mutating func u16(_ v: UInt16) { appendLE(v) }
    mutating func u32(_ v: UInt32) { appendLE(v) }
    mutating func u64(_ v: UInt64) { appendLE(v) }
    mutating func i64(_ v: Int64) { appendLE(UInt64(bitPattern: v)) }
    /// An IEEE-754 double as its bit pattern (round-trips exactly).
    mutating func f64(_ v: Double) { appendLE(v.bitPattern) }
    mutating func bytes<C: Collection>(_ v: C) where C.Element == UInt8 { buffer.append(contentsOf: v) }

    /// A u32 length followed by the bytes.
    mutating func lengthPrefixed<C: Collection>(_ v: C) where C.Element == UInt8 {
        u32(UInt32(v.count))
        buffer.append(contentsOf: v)
    }

    /// A u16 length followed by UTF-8 (cut at 65 535 bytes, on a character boundary).
    mutating func string(_ s: String) {
        var utf8 = Array(s.utf8)
        if utf8.count > Int(UInt16.max) {
            utf8 = Array(utf8.prefix(Int(UInt16.max)))
            while !utf8.isEmpty, String(validating: utf8, as: UTF8.self) == nil { utf8.removeLast() }
        }
        u16(UInt16(utf8.count))
        buffer.append(contentsOf: utf8)
    }

    private mutating func appendLE<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { buffer.append(contentsOf: $0) }
    }
}
