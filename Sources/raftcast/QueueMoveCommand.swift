import ArgumentParser
import RaftcastClient

/// `raftcast queue move ID POSITION`: reorders the upcoming items (`POST /v1/queue/move`).
struct QueueMoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "move",
        abstract: "Move an upcoming item to another place in the queue.",
        discussion: """
            POSITION counts from 0 among the upcoming items (0: plays next; `raftcast queue` numbers them \
            from 1). Prints the queue after the change.

            Exit status: 0 done; 1 when the cluster refuses the change (the item is playing or not \
            queued), has no leader or no quorum, or no node answered; 2 for a bad id or position, a \
            stream the catalogue does not know, a bad cluster file or usage.
            """)

    @OptionGroup var options: AdminOptions

    @Argument(help: "The upcoming stream's id (16 hex digits).")
    var id: String

    @Argument(help: "Its new place among the upcoming items, from 0.")
    var position: String

    @Flag(name: .long, help: "Print the queue after the change as JSON.")
    var json = false

    func run() throws {
        let id = try AdminOptions.streamID(id)
        guard let position = Int(position), position >= 0, position <= Int(Int32.max) else {
            throw CLIFailure.reportingExit(
                .badInput("POSITION", "'\(UntrustedText.escaped(position))' is not a place in the queue (0 or more)"))
        }
        let queue = try options.perform(subject: id) { client throws(AdminClient.Failure) in
            try client.move(id, to: position)
        }
        try AdminOptions.printQueue(queue, json: json)
    }
}
