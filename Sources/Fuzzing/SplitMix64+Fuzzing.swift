import Raft

extension SplitMix64 {
    /// The generator for input `iteration` of a run seeded with `seed`: every input replays on its own,
    /// from (target, seed, iteration), without the inputs before it.
    public static func fuzzing(seed: UInt64, iteration: Int) -> SplitMix64 {
        var mixer = SplitMix64(seed: seed ^ 0x5241_4654_4341_5354)  // "RAFTCAST"
        let base = mixer.next()
        return SplitMix64(seed: base &+ UInt64(truncatingIfNeeded: iteration) &* 0xD6E8_FEB8_6659_FD93)
    }

    /// A number in 0 ..< `bound` (`bound` > 0).
    mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }

    /// True with probability `numerator` / `denominator`.
    mutating func chance(_ numerator: Int, in denominator: Int) -> Bool {
        below(denominator) < numerator
    }
}
