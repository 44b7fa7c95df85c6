import Foundation
import Logging

/// The environment variables benchmarks set to tune a node (`RAFTCAST_LEARNER_BATCH_BYTES`,
/// `RAFTCAST_FILE_SINK_REFILL_MS`, `RAFTCAST_PLAYHEAD_REFINE_US`, `RAFTCAST_CLOCK_STEADY_MS`, `RAFTCAST_WAL_CACHE_WINDOW_MIB`): whole numbers in a range, read once where
/// the setting is made. A value that is not a number or out of range is ignored with one warning line.
enum TuningEnvironment {
    /// The value of `key` if it is a whole number in `range`; nil when unset or ignored (logged as
    /// `<subsystem>: <key> ignored: not a whole number of <unit> in <range>`).
    static func wholeNumber(
        _ key: String, in range: ClosedRange<Int>, unit: String, subsystem: String, logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Int? {
        guard let text = environment[key] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            logger.warning("\(subsystem): \(key) ignored: not a whole number of \(unit) in \(range.lowerBound)…\(range.upperBound)")
            return nil
        }
        return value
    }
}
