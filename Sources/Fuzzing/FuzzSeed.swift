/// A valid input made by the real encoder (or a real media file), and the map of its fields.
public struct FuzzSeed: Sendable {
    /// A short name for reports ("append-3-entries").
    public var name: String
    /// The bytes.
    public var bytes: [UInt8]
    /// Fields worth aiming at (may be empty: then mutations land anywhere).
    public var fields: [FuzzField]

    /// A seed of `bytes` whose layout is `fields`.
    public init(name: String, bytes: [UInt8], fields: [FuzzField] = []) {
        self.name = name
        self.bytes = bytes
        self.fields = fields.filter { $0.offset >= 0 && $0.offset + $0.width <= bytes.count }
    }
}
