extension RetentionPolicy {
    /// One stream the policy removes, and which rule removes it.
    public struct Removal: Sendable, Hashable, CustomStringConvertible {
        /// Why a stream goes.
        public enum Reason: Sendable, Hashable {
            /// Not among the newest `keep` finished streams.
            case beyondCount(Int)
            /// Its playout ended at `playoutEnded`, more than `age` ago.
            case olderThan(Duration, playoutEnded: ClusterTime)
        }

        /// The stream.
        public var stream: StreamID
        /// The rule.
        public var reason: Reason

        /// A removal of `stream` for `reason`.
        public init(stream: StreamID, reason: Reason) {
            self.stream = stream
            self.reason = reason
        }

        /// E.g. `beyond the newest 50 finished streams (keep_streams)` or
        /// `played out more than 24 h ago (keep_hours)`.
        public var description: String {
            switch reason {
            case .beyondCount(let keep):
                "beyond the newest \(keep) finished streams (keep_streams)"
            case .olderThan(let age, _):
                "played out more than \(Self.hours(age)) h ago (keep_hours)"
            }
        }

        private static func hours(_ age: Duration) -> String {
            let hours = Double(age.components.seconds) / 3600 + Double(age.components.attoseconds) / 3.6e21
            return hours == hours.rounded() ? String(Int(hours)) : String(hours)
        }
    }
}
