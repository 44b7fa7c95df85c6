import Foundation

/// The number formats of the demo's view and verdict.
enum DemoFormat {
    /// `12.3 s`.
    static func seconds(_ duration: Duration) -> String {
        String(format: "%.1f s", duration.demoSeconds)
    }

    /// `312 ms` (whole milliseconds).
    static func wholeMilliseconds(_ duration: Duration) -> String {
        String(format: "%.0f ms", duration.demoSeconds * 1000)
    }

    /// `0.21 ms` (two decimals; sign kept).
    static func milliseconds(_ duration: Duration) -> String {
        String(format: "%.2f ms", duration.demoSeconds * 1000)
    }

    /// `0.21 ms` from nanoseconds.
    static func milliseconds(nanoseconds: Int64) -> String {
        milliseconds(.nanoseconds(nanoseconds))
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var demoSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// The duration without its sign.
    var demoMagnitude: Duration { self < .zero ? .zero - self : self }
}

extension String {
    /// The string padded with spaces on the right to `width` (unchanged when longer).
    func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    /// The string padded with spaces on the left to `width` (unchanged when longer).
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
