/// Identifies a stream, from the catalogue to the speaker: the catalogue entries, the playback engine,
/// the play log, the HTTP API and the node's logs all name a stream by this one type. Chosen by the
/// ingest client (random, or derived from the content hash and name so that re-running the same ingest
/// resumes it); never reused once removed.
///
/// Its text form is here and nowhere else: 16 lowercase hexadecimal digits (``description``), as the
/// HTTP API, the play log (`"stream":"00000000000000a1"`), upload file names and log lines write it.
/// Reading accepts 1–16 hex digits of either case (``init(_:)``). In binary records (catalogue entries,
/// snapshots) it is the `u64` ``rawValue``.
public struct StreamID: Sendable, Hashable, Comparable, CustomStringConvertible, LosslessStringConvertible,
    ExpressibleByIntegerLiteral
{
    /// The id as the catalogue's binary records carry it.
    public var rawValue: UInt64

    /// The id `rawValue`.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// The id written as an integer literal (tests, tools).
    public init(integerLiteral value: UInt64) { self.rawValue = value }

    /// The id written as `text`: 1–16 hexadecimal digits; nil for anything else.
    public init?(_ text: String) {
        guard (1...16).contains(text.utf8.count), text.allSatisfy(\.isHexDigit), let value = UInt64(text, radix: 16)
        else { return nil }
        rawValue = value
    }

    /// The id as 16 lowercase hexadecimal digits.
    public var description: String {
        let hex = String(rawValue, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Ordered by value (the same order as the text form's).
    public static func < (a: StreamID, b: StreamID) -> Bool { a.rawValue < b.rawValue }
}

/// In JSON (the play log, `GET /v1/playback`) a stream id is its text form, a string.
extension StreamID: Codable {
    /// Reads the text form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = StreamID(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "stream id \"\(text.prefix(40))\" is not 1–16 hex digits")
        }
        self = id
    }

    /// Writes the text form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
