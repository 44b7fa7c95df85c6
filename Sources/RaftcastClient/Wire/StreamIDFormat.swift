/// How stream ids (the catalogue's `UInt64`) appear in the HTTP API, logs and file names: 16 lowercase hexadecimal digits.
public enum StreamIDFormat {
    /// `id` as 16 lowercase hex digits.
    public static func string(_ id: UInt64) -> String {
        let hex = String(id, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The id written as `text` (1–16 hex digits), nil otherwise.
    public static func parse(_ text: some StringProtocol) -> UInt64? {
        guard (1...16).contains(text.count), text.allSatisfy(\.isHexDigit) else { return nil }
        return UInt64(text, radix: 16)
    }
}
