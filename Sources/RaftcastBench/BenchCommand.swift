import ArgumentParser

/// `raftcast-bench`: release-build benchmarks whose figures go into BENCHMARKS.md.
/// Each subcommand prints its figures; the scripts under `scripts/bench-*.sh`
/// run it beside the reference tool of the same run.
@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "raftcast-bench",
        abstract: "Benchmarks of raftcast's modules (run in release builds).",
        subcommands: [
            ClockSyncBenchCommand.self, ClusterBenchCommand.self, CommitWaitCommand.self, FloodBenchCommand.self,
            FeedBenchCommand.self, MediaBenchCommand.self, PlaybackBenchCommand.self, RaftBenchCommand.self, RaftCoreBench.self,
            StorageBench.self, TransportBench.self,
        ]
    )
}
