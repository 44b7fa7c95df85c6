/// What a simulation did, for replaying a failing seed.
///
/// The fingerprint folds every event into one number (always kept, cheap);
/// the text lines are only built when tracing is on. A failing seed is
/// re-run with tracing on to print its trace: the run is the same.
public struct SimTrace: Sendable {
    /// Whether text lines are recorded.
    public let enabled: Bool
    /// Keep at most this many lines (the latest); 0 keeps all.
    public let limit: Int
    /// The recorded lines, oldest first.
    public private(set) var lines: [String] = []
    /// A digest of every event so far; the same seed gives the same value in every process.
    public private(set) var fingerprint: UInt64 = 0
    private var dropped = 0

    /// A trace recording lines when `enabled`, keeping the latest `limit` (0: all).
    public init(enabled: Bool, limit: Int = 0) {
        self.enabled = enabled
        self.limit = limit
    }

    /// Folds values describing an event into the fingerprint.
    @inline(__always)
    public mutating func fold(_ a: UInt64, _ b: UInt64 = 0, _ c: UInt64 = 0, _ d: UInt64 = 0) {
        fingerprint = StableHash.mix(StableHash.mix(fingerprint, a), StableHash.mix(StableHash.mix(b, c), d))
    }

    /// Records a line (the closure runs only when tracing is on).
    @inline(__always)
    public mutating func log(_ time: UInt64, _ text: @autoclosure () -> String) {
        guard enabled else { return }
        lines.append("t=\(time) \(text())")
        if limit > 0 && lines.count > 2 * limit {
            dropped += lines.count - limit
            lines.removeFirst(lines.count - limit)
        }
    }

    /// The trace as text (noting how many early lines were dropped).
    public var text: String {
        var out = dropped > 0 ? ["… \(dropped) earlier lines dropped"] : []
        out += limit > 0 ? Array(lines.suffix(limit)) : lines
        return out.joined(separator: "\n")
    }
}
