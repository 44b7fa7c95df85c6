/// A rational time base: one tick lasts `numerator / denominator` seconds
/// (FFmpeg's `AVRational` as a Swift value).
public struct TimeBase: Sendable, Hashable, CustomStringConvertible {
    /// Seconds per tick, numerator.
    public let numerator: Int32
    /// Seconds per tick, denominator.
    public let denominator: Int32

    /// Creates `numerator / denominator`.
    public init(_ numerator: Int32, _ denominator: Int32) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// `ticks` of this time base in seconds.
    public func seconds(_ ticks: Int64) -> Double {
        guard denominator != 0 else { return 0 }
        return Double(ticks) * Double(numerator) / Double(denominator)
    }

    /// `seconds` in ticks of this time base, rounded to the nearest tick; clamped to ±2⁶² ticks (a
    /// product that does not fit, or is not a number, never traps: NaN gives 0).
    public func ticks(seconds: Double) -> Int64 {
        guard numerator != 0 else { return 0 }
        let ticks = (seconds * Double(denominator) / Double(numerator)).rounded()
        guard !ticks.isNaN else { return 0 }
        let bound = Double(Int64(1) << 62)
        return Int64(min(max(ticks, -bound), bound))
    }

    /// "num/den", as ffprobe prints it.
    public var description: String { "\(numerator)/\(denominator)" }
}
