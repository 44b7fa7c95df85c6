/// Reads little-endian integers and byte strings from an `ArraySlice`, throwing
/// `CatalogueDecodingError.truncated` instead of reading past its end. Byte strings come back as
/// slices of the same storage (no copy).
struct CatalogueByteReader {
    private let bytes: ArraySlice<UInt8>
    private(set) var position: Int
    /// What is being read, for error messages ("catalogue entry", "catalogue snapshot").
    let what: String

    init(_ bytes: ArraySlice<UInt8>, what: String) {
        self.bytes = bytes
        self.position = bytes.startIndex
        self.what = what
    }

    /// Bytes not yet read.
    var remaining: Int { bytes.endIndex - position }
    /// Offset of the read position from the start of the record.
    var offset: Int { position - bytes.startIndex }

    private mutating func take(_ n: Int) throws(CatalogueDecodingError) -> Range<Int> {
        guard n >= 0, n <= remaining else {
            throw .truncated(what, needed: offset + n, available: bytes.count)
        }
        defer { position += n }
        return position..<(position + n)
    }

    private mutating func readLE<T: FixedWidthInteger>(_: T.Type) throws(CatalogueDecodingError) -> T {
        let range = try take(MemoryLayout<T>.size)
        var value: T = 0
        for (shift, i) in range.enumerated() { value |= T(bytes[i]) << (8 * shift) }
        return value
    }

    mutating func u8() throws(CatalogueDecodingError) -> UInt8 { bytes[try take(1).lowerBound] }
    mutating func u16() throws(CatalogueDecodingError) -> UInt16 { try readLE(UInt16.self) }
    mutating func u32() throws(CatalogueDecodingError) -> UInt32 { try readLE(UInt32.self) }
    mutating func u64() throws(CatalogueDecodingError) -> UInt64 { try readLE(UInt64.self) }
    mutating func i64() throws(CatalogueDecodingError) -> Int64 { Int64(bitPattern: try u64()) }
    mutating func f64() throws(CatalogueDecodingError) -> Double { Double(bitPattern: try u64()) }

    /// `n` bytes as a slice of the record (shares its storage).
    mutating func slice(_ n: Int) throws(CatalogueDecodingError) -> ArraySlice<UInt8> { bytes[try take(n)] }

    /// A u32 length, then that many bytes as a slice of the record.
    mutating func lengthPrefixed() throws(CatalogueDecodingError) -> ArraySlice<UInt8> {
        try slice(Int(try u32()))
    }

    /// A u16 length, then UTF-8.
    mutating func string(_ field: String) throws(CatalogueDecodingError) -> String {
        let raw = try slice(Int(try u16()))
        guard let s = String(validating: raw, as: UTF8.self) else {
            throw .invalidField(what, "\(field) is not UTF-8")
        }
        return s
    }

    /// A count that each element of which takes at least `minimumElementSize` bytes: refuses counts the
    /// record cannot hold (so a damaged count cannot make a reader reserve gigabytes).
    mutating func count(_ field: String, minimumElementSize: Int) throws(CatalogueDecodingError) -> Int {
        let n = Int(try u32())
        guard n <= remaining / max(1, minimumElementSize) else {
            throw .invalidField(what, "\(field) \(n) does not fit in the \(remaining) bytes left")
        }
        return n
    }

    /// Throws unless every byte was read.
    func expectEnd() throws(CatalogueDecodingError) {
        guard remaining == 0 else { throw .invalidField(what, "\(remaining) unread bytes at the end") }
    }
}
