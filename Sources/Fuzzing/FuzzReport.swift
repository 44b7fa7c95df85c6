/// What a run of one target did.
public struct FuzzReport: Sendable {
    /// One input that broke a property, with what replays it.
    public struct Failure: Sendable, CustomStringConvertible {
        /// Iteration of the input (replay: same target, same seed, `--from` this, `--inputs 1`).
        public var iteration: Int
        /// The broken property.
        public var violation: FuzzViolation
        /// The input's first bytes, in hex.
        public var prefix: String

        public var description: String { "input \(iteration): \(violation.description) (bytes: \(prefix))" }
    }

    /// The target's name.
    public var target: String
    /// The run's seed.
    public var seed: UInt64
    /// The first iteration run.
    public var firstIteration: Int
    /// Inputs run.
    public var inputs: Int = 0
    /// Inputs the decoder accepted (and that held the properties).
    public var accepted: Int = 0
    /// Inputs the decoder refused with its typed error.
    public var rejected: Int = 0
    /// Wall-clock seconds of the loop.
    public var seconds: Double = 0
    /// Largest resident set seen, in bytes (0 when it could not be read).
    public var peakResidentBytes: Int = 0
    /// Resident set at the end of the warm-up, in bytes.
    public var warmResidentBytes: Int = 0
    /// Property violations (the first few).
    public var failures: [Failure] = []
    /// Violations in all.
    public var failureCount: Int = 0
    /// Set when the resident set grew past the bound after warm-up.
    public var memoryFailure: String?
    /// Slowest single input, in seconds.
    public var slowestInputSeconds: Double = 0

    /// Inputs per second.
    public var inputsPerSecond: Double { seconds > 0 ? Double(inputs) / seconds : 0 }

    /// Whether the run found nothing.
    public var passed: Bool { failureCount == 0 && memoryFailure == nil }
}
