import ArgumentParser

/// `raftcast queue`: the programme (bare: `queue show`), and its `rm` and `move` controls.
struct QueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Show the programme, or take an item out of it or move it.",
        discussion: """
            Every ingest joins the end of the programme; `raftcast skip` and `raftcast stop` control the \
            item playing. Writes go to the leader (found through any node of the cluster file) with the \
            admin token and take effect on every node at the same cluster time, one playout delay after \
            the leader received them.
            """,
        subcommands: [QueueShowCommand.self, QueueRemoveCommand.self, QueueMoveCommand.self],
        defaultSubcommand: QueueShowCommand.self)
}
