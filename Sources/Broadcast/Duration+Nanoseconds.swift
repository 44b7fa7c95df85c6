extension Duration {
    /// The duration in whole nanoseconds, truncated toward zero.
    public var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// The duration in nanoseconds as a floating-point number (sub-nanosecond parts kept).
    var nanosecondsValue: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }

    /// A duration of `nanoseconds` rounded to the nearest whole nanosecond.
    static func nanoseconds(rounding nanoseconds: Double) -> Duration {
        .nanoseconds(Int64(nanoseconds.rounded()))
    }
}

/// Floor division and the non-negative remainder (`b > 0`), so negative values round down.
@inline(__always)
func floorDivMod(_ a: Int64, _ b: Int64) -> (quotient: Int64, remainder: Int64) {
    var quotient = a / b
    var remainder = a % b
    if remainder < 0 {
        quotient -= 1
        remainder += b
    }
    return (quotient, remainder)
}
