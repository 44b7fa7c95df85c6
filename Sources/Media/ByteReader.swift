/// Reads little-endian integers and byte strings from a range of a buffer,
/// throwing `WireFormatError.truncated` instead of reading past its end.
struct ByteReader {
    private let base: UnsafeRawBufferPointer
    private var position: Int
    private let end: Int

    init(_ base: UnsafeRawBufferPointer, range: Range<Int>) {
        self.base = base
        self.position = range.lowerBound
        self.end = range.upperBound
    }

    var remaining: Int { end - position }

    private mutating func take(_ n: Int) throws(WireFormatError) -> Int {
        guard n >= 0, n <= end - position else { throw .truncated(needed: position + n, available: end) }
        defer { position += n }
        return position
    }

    private mutating func readLE<T: FixedWidthInteger>(_: T.Type) throws(WireFormatError) -> T {
        let at = try take(MemoryLayout<T>.size)
        return T(littleEndian: base.loadUnaligned(fromByteOffset: at, as: T.self))
    }

    mutating func u8() throws(WireFormatError) -> UInt8 { try readLE(UInt8.self) }
    mutating func u16() throws(WireFormatError) -> UInt16 { try readLE(UInt16.self) }
    mutating func u32() throws(WireFormatError) -> UInt32 { try readLE(UInt32.self) }
    mutating func u64() throws(WireFormatError) -> UInt64 { try readLE(UInt64.self) }
    mutating func i32() throws(WireFormatError) -> Int32 { Int32(bitPattern: try u32()) }
    mutating func i64() throws(WireFormatError) -> Int64 { Int64(bitPattern: try u64()) }

    mutating func bytes(_ n: Int) throws(WireFormatError) -> [UInt8] {
        let at = try take(n)
        return Array(UnsafeRawBufferPointer(rebasing: base[at..<(at + n)]))
    }

    mutating func lengthPrefixed() throws(WireFormatError) -> [UInt8] { try bytes(Int(try u32())) }

    mutating func string() throws(WireFormatError) -> String {
        let raw = try bytes(Int(try u16()))
        guard let s = String(validating: raw, as: UTF8.self) else { throw .invalidField("string is not UTF-8") }
        return s
    }

    /// Throws unless every byte was read.
    func expectEnd(_ what: String) throws(WireFormatError) {
        guard position == end else { throw .invalidField("\(end - position) unread bytes at the end of \(what)") }
    }
}
