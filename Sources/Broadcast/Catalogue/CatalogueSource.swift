/// Where a stream's media came from: the file as the ingest client named it, its size, and the SHA-256
/// of its content. The content hash identifies what is broadcast: a retried or resumed ingest of the
/// same stream id must carry the same hash.
public struct CatalogueSource: Sendable, Hashable {
    /// The file name as the client gave it (no directories are implied).
    public var fileName: String
    /// Size of the file in bytes.
    public var size: UInt64
    /// SHA-256 of the file's content, 32 bytes (`CatalogueHash.sha256`).
    public var sha256: [UInt8]

    /// Creates a source description. `sha256` must be 32 bytes (checked when decoding).
    public init(fileName: String, size: UInt64, sha256: [UInt8]) {
        self.fileName = fileName
        self.size = size
        self.sha256 = sha256
    }

    /// The content hash as 64 lowercase hex digits.
    public var sha256Hex: String {
        sha256.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
