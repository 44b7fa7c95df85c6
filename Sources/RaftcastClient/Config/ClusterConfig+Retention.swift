extension ClusterConfig {
    /// `cluster.retention`: which finished streams the cluster keeps (docs/configuration.md). The leader
    /// removes a finished stream when either rule says so, never one that may still be playing.
    ///
    /// ```yaml
    /// cluster:
    ///   retention:
    ///     keep_streams: 100   # default 100; a positive integer, or "all" (no count limit)
    ///     keep_hours: 24      # default none; a positive number of hours
    /// ```
    public struct Retention: Sendable, Hashable {
        /// Keep the newest this many finished streams (nil: no count limit).
        public var keepStreams: Int?
        /// Keep finished streams whose playout ended less than this many hours ago (nil: no age limit).
        public var keepHours: Double?

        /// Retention keeping the newest `keepStreams` finished streams and those that ended less than
        /// `keepHours` ago (nil: no such limit).
        public init(keepStreams: Int? = Defaults.keepStreams, keepHours: Double? = nil) {
            self.keepStreams = keepStreams
            self.keepHours = keepHours
        }

        /// The default: the newest 100 finished streams, no age limit.
        public static let `default` = Retention()

        /// Default values.
        public enum Defaults {
            /// `keep_streams` when not set.
            public static let keepStreams = 100
        }

        /// Largest `keep_hours` accepted (about 114 years).
        public static let maximumKeepHours = 1_000_000.0
    }
}
