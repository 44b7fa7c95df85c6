import ArgumentParser
import RaftcastClient

/// `raftcast queue [show]`: the item playing and the upcoming ones (`GET /v1/queue` of the first node
/// that answers).
struct QueueShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show the item playing and the upcoming items.",
        discussion: """
            The ▶ line is the item playing with its position and length; the upcoming items are numbered \
            from 1 in play order (`queue move ID POSITION` takes the number minus one), each with its \
            length and when it starts; a ~ marks a guess (an item still being ingested, or behind one). \
            --json prints GET /v1/queue as it is.

            Exit status: 0 shown; 1 when no node answered; 2 for a bad cluster file or usage.
            """)

    @OptionGroup var options: AdminOptions

    @Flag(name: .long, help: "Print the queue resource (GET /v1/queue) as JSON.")
    var json = false

    func run() throws {
        let queue = try options.perform { client throws(AdminClient.Failure) in try client.queue() }
        try AdminOptions.printQueue(queue, json: json)
    }
}
