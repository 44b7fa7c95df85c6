import Raft

/// The simulations' seeded generator: the Raft core's SplitMix64, so every run replays exactly.
public typealias SeededGenerator = SplitMix64
