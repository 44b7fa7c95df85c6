import NIOConcurrencyHelpers
import NIOCore

/// Caps how many lines of one kind are logged per interval, so that whoever can open connections
/// cannot fill the disk with log lines or spend the node's time writing them. The first line after a
/// quiet spell says how many were left out.
public final class LogThrottle: Sendable {
    private struct State {
        var windowStart: NIODeadline
        var logged = 0
        var suppressed = 0
    }

    /// Lines allowed per interval.
    public let linesPerInterval: Int
    /// Length of an interval.
    public let interval: TimeAmount
    private let state: NIOLockedValueBox<State>

    /// A throttle allowing `linesPerInterval` lines every `interval`.
    public init(linesPerInterval: Int = 10, interval: TimeAmount = .seconds(10)) {
        self.linesPerInterval = max(1, linesPerInterval)
        self.interval = interval
        state = NIOLockedValueBox(State(windowStart: .now()))
    }

    /// Nil when the line must be left out; otherwise the number of lines left out since the last one
    /// that was logged (log it, mentioning that number when it is not 0).
    public func permit(now: NIODeadline = .now()) -> Int? {
        state.withLockedValue { s in
            if now - s.windowStart >= interval {
                s.windowStart = now
                s.logged = 0
            }
            guard s.logged < linesPerInterval else {
                s.suppressed += 1
                return nil
            }
            s.logged += 1
            defer { s.suppressed = 0 }
            return s.suppressed
        }
    }

    /// `message`, followed by how many similar lines were left out when there were any.
    public static func message(_ message: String, suppressed: Int) -> String {
        suppressed == 0 ? message : "\(message) (\(suppressed) similar lines left out)"
    }
}
