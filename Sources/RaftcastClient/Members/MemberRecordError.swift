/// Why bytes are not a ``MemberRecord``: one clause naming the first problem found, safe to log
/// (no byte of the input is echoed except as numbers).
public struct MemberRecordError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The problem, e.g. `unsupported version 7`.
    public var reason: String

    public init(_ reason: String) { self.reason = reason }

    public var description: String { "bad member record: \(reason)" }
}
