extension Duration {
    /// The duration in whole nanoseconds, truncated toward zero; clamped to `Int64` (±292 years).
    public var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return Int64(clamping: Int128(seconds) * 1_000_000_000 + Int128(attoseconds / 1_000_000_000))
    }

    /// The duration in nanoseconds as a floating-point number (sub-nanosecond parts kept).
    var nanosecondsValue: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }

    /// A duration of `nanoseconds` rounded to the nearest whole nanosecond (clamped to `Int64`; NaN is 0).
    static func nanoseconds(rounding nanoseconds: Double) -> Duration {
        .nanoseconds(Int64(saturating: nanoseconds.rounded()))
    }

    /// A duration of exactly `nanoseconds` (any `Int128`: a `Duration` holds ±2⁶³ seconds).
    static func nanoseconds(exactly nanoseconds: Int128) -> Duration {
        let (seconds, rest) = floorDivMod(nanoseconds, 1_000_000_000)
        return Duration(
            secondsComponent: Int64(clamping: seconds), attosecondsComponent: Int64(rest) * 1_000_000_000)
    }
}

extension Int64 {
    /// `value` rounded toward zero and clamped to `Int64`; NaN is 0. Never traps, unlike `Int64(_:)`.
    init(saturating value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= 9_223_372_036_854_775_807.0 {
            self = .max
        } else if value <= -9_223_372_036_854_775_808.0 {
            self = .min
        } else {
            self = Int64(value)
        }
    }
}

/// Floor division and the non-negative remainder (`b > 0`), so negative values round down; used with
/// `Int64` and with `Int128` (the products of 64-bit times, rates and time-base terms fit without overflow).
@inline(__always)
func floorDivMod<T: BinaryInteger>(_ a: T, _ b: T) -> (quotient: T, remainder: T) {
    var quotient = a / b
    var remainder = a % b
    if remainder < 0 {
        quotient -= 1
        remainder += b
    }
    return (quotient, remainder)
}
