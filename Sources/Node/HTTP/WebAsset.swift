import Foundation

/// One file of the web app (Sources/Node/Web/), compiled into the node by scripts/gen-web.sh
/// (``WebAssets``).
public struct WebAsset: Sendable, Hashable {
    /// The file's name in Sources/Node/Web/ (flat: no folders).
    public let name: String
    /// Its `Content-Type`.
    public let contentType: String
    /// Its entity tag: the SHA-256 of the bytes in lowercase hex, quoted.
    public let etag: String
    /// The file's bytes.
    public let bytes: [UInt8]

    /// The asset whose bytes are `base64` (the generated table's form: a short literal that compiles fast).
    init(name: String, contentType: String, etag: String, base64: String) {
        self.name = name
        self.contentType = contentType
        self.etag = etag
        // The literal is written by the script from the file: it always decodes.
        self.bytes = Data(base64Encoded: base64).map { Array($0) } ?? []
    }
}
