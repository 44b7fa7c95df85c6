import ArgumentParser

/// Runs random simulation seeds of the Raft core (placeholder until RaftTesting lands).
@main
struct RaftSimulate: ParsableCommand {
    func run() throws {}
}
