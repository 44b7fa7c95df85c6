import ArgumentParser

/// `raftcast streams`: the catalogue (bare: `streams list`), and `streams rm ID`.
struct StreamsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streams",
        abstract: "List the streams of the catalogue, or remove one.",
        subcommands: [StreamsListCommand.self, StreamsRemoveCommand.self],
        defaultSubcommand: StreamsListCommand.self)
}
