/// How long a link waits before dialing a peer again after a failed or lost
/// connection: exponential growth with "equal jitter".
///
/// ```
///  base(n)  = min(maximum, initial * multiplier^(n-1))     n = failures in a row, n >= 1
///  delay(n) = base(n)/2 + unitRandom * base(n)/2            unitRandom in [0, 1)
/// ```
///
/// So every delay lies in `[base/2, base)` and never exceeds `maximum`; the
/// jitter keeps the nodes of a cluster from redialing in lockstep after a
/// shared outage. The random number is a parameter so that tests are exact.
public struct BackoffPolicy: Sendable, Hashable {
    /// Base delay after the first failure.
    public var initial: Duration
    /// Upper bound of any delay.
    public var maximum: Duration
    /// Growth factor per failure (≥ 1).
    public var multiplier: Double

    /// A policy; `maximum` is raised to `initial` and `multiplier` to 1 when below.
    public init(initial: Duration = .milliseconds(50), maximum: Duration = .seconds(2), multiplier: Double = 2) {
        self.initial = initial
        self.maximum = max(maximum, initial)
        self.multiplier = max(1, multiplier)
    }

    /// The delay before the next dial after `failures` consecutive failures
    /// (`failures >= 1`), given a uniform random number in `[0, 1)`.
    public func delay(afterFailures failures: Int, unitRandom: Double) -> Duration {
        let initialSeconds = Self.seconds(initial)
        let maximumSeconds = Self.seconds(maximum)
        let exponent = Double(max(0, failures - 1))
        let base = min(maximumSeconds, initialSeconds * boundedPower(multiplier, exponent))
        let unit = min(max(unitRandom, 0), 0.999_999_999)
        let seconds = base / 2 + unit * base / 2
        return .nanoseconds(Int64((seconds * 1e9).rounded(.down)))
    }

    static func seconds(_ duration: Duration) -> Double {
        let (s, atto) = duration.components
        return Double(s) + Double(atto) / 1e18
    }
}

/// `base^exponent` for the small whole exponents of a backoff, capped so it never overflows.
@inline(__always)
func boundedPower(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    var n = Int(min(exponent, 64))
    while n > 0 && result < 1e12 { result *= base; n -= 1 }
    return result
}
