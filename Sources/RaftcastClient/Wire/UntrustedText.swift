import Transport

/// The rules for free text a client hands the node (a stream's name, an upload's file name, a media
/// library path) and for `raftcast ingest --name`: plain text of bounded length. Names are data: they
/// end up in the catalogue, in every node's log and on every operator's terminal, so a control character
/// (``LogText/isControl(_:)``: C0 including newline and NUL, DEL, C1, U+2028/U+2029) is refused rather
/// than stored.
public enum UntrustedText {
    /// Longest stream name, in UTF-8 bytes.
    public static let maxNameBytes = 256
    /// Longest upload file name (`filename`), in UTF-8 bytes (NAME_MAX).
    public static let maxFileNameBytes = 255
    /// Longest media library path, in UTF-8 bytes.
    public static let maxLibraryPathBytes = 1024

    /// Why `text` is not acceptable (nil when it is): its first control character, or its length above
    /// `maxBytes` UTF-8 bytes. One clause, e.g. `contains a control character (U+000A at character 5)`.
    public static func refusal(_ text: String, maxBytes: Int) -> String? {
        for (offset, scalar) in text.unicodeScalars.enumerated() where LogText.isControl(scalar) {
            return "contains a control character (\(codePoint(scalar)) at character \(offset + 1)); it must be plain text"
        }
        let bytes = text.utf8.count
        guard bytes <= maxBytes else { return "is \(bytes) bytes long; at most \(maxBytes) are allowed" }
        return nil
    }

    /// `text` safe to print on one line (``LogText/escaped(_:)``).
    public static func escaped(_ text: String) -> String { LogText.escaped(text) }

    /// `U+000A`.
    static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
