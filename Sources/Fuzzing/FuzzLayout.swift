/// Builds a seed's field map while walking its layout, front to back, in step with the encoder.
public struct FuzzLayout: Sendable {
    /// The fields so far.
    public private(set) var fields: [FuzzField] = []
    /// Offset of the next field.
    public private(set) var offset: Int

    /// A walk that starts at `offset`.
    public init(at offset: Int = 0) {
        self.offset = offset
    }

    /// A field of `width` bytes at the cursor, which moves past it.
    public mutating func field(_ width: Int, _ role: FuzzField.Role = .value, bigEndian: Bool = false) {
        fields.append(FuzzField(offset: offset, width: width, bigEndian: bigEndian, role: role))
        offset += width
    }

    /// Several fields of `width` bytes.
    public mutating func fields(_ count: Int, _ width: Int) {
        for _ in 0..<count { field(width) }
    }

    /// `count` bytes that are not fields (payload, magic).
    public mutating func skip(_ count: Int) {
        offset += count
    }

    /// A length-prefixed blob: its `prefixWidth`-byte length field, then `count` bytes.
    public mutating func blob(prefixWidth: Int, _ count: Int) {
        field(prefixWidth, .length)
        skip(count)
    }

    /// Appends the fields of a nested walk (which started at the cursor) and moves past it.
    public mutating func nest(_ inner: FuzzLayout) {
        fields += inner.fields
        offset = inner.offset
    }
}
