import ArgumentParser

/// The `raftcast` command line tool.
@main
struct RaftcastCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "raftcast",
        abstract: "A Raft-replicated audio/video broadcast cluster.",
        subcommands: [PlayCommand.self, WALCommand.self, NodeCommand.self, StatusCommand.self]
    )
}
