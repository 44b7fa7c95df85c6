/// A safety or liveness property the run broke, with what is needed to replay it.
public struct SimulationFailure: Error, CustomStringConvertible {
    /// Seed of the run.
    public var seed: UInt64
    /// Simulated milliseconds when it was detected.
    public var time: UInt64
    /// Tick count when it was detected.
    public var tick: UInt64
    /// What went wrong.
    public var reason: String
    /// The latest trace lines, when tracing was on.
    public var trace: String

    /// The failure as text: seed, tick, reason and trace.
    public var description: String {
        var s = "simulation failure (seed \(seed), tick \(tick), t=\(time) ms): \(reason)"
        if !trace.isEmpty { s += "\ntrace:\n" + trace }
        return s
    }
}
