import ArgumentParser

/// The `raftcast` command line tool.
@main
struct RaftcastCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "raftcast",
        abstract: "A Raft-replicated audio/video broadcast cluster.",
        subcommands: [PlayCommand.self, WALCommand.self]
    )
}
