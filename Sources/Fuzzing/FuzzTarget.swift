import Raft

/// One decoder of untrusted bytes under fuzzing: its seeds, how to repair an input's checksums so that
/// mutations reach the body parser, and the check that runs the decoder on one input.
public struct FuzzTarget: Sendable {
    /// The name the script and the tests use ("raft-message").
    public var name: String
    /// What is decoded, for `--list`.
    public var summary: String
    /// Valid inputs made by the real encoders.
    public var seeds: [FuzzSeed]
    /// Recomputes length and checksum fields of a mutated input (nil: the format has none). The runner
    /// applies it to most inputs and leaves the rest damaged, so both the checksum path and the body
    /// parser see hostile bytes.
    public var repair: (@Sendable (inout [UInt8], inout SplitMix64) -> Void)?
    /// Decodes one input: returns the verdict, throws when an accepted value breaks a property.
    public var check: @Sendable ([UInt8]) throws(FuzzViolation) -> FuzzVerdict

    /// A target.
    public init(
        name: String, summary: String, seeds: [FuzzSeed],
        repair: (@Sendable (inout [UInt8], inout SplitMix64) -> Void)? = nil,
        check: @escaping @Sendable ([UInt8]) throws(FuzzViolation) -> FuzzVerdict
    ) {
        self.name = name
        self.summary = summary
        self.seeds = seeds
        self.repair = repair
        self.check = check
    }
}
