import ArgumentParser
import RaftcastClient

/// `raftcast queue rm ID`: takes a stream out of the programme (`DELETE /v1/queue/{id}`).
struct QueueRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Take a stream out of the programme (it stays in the catalogue).",
        discussion: """
            The playing item is cut at its next fragment boundary; an upcoming one leaves the queue. \
            Prints the queue after the change. `raftcast streams rm ID` deletes the stream itself.

            Exit status: 0 done; 1 when the cluster refuses the change (the stream is not in the \
            programme), has no leader or no quorum, or no node answered; 2 for an id that is not 16 hex \
            digits, a stream the catalogue does not know, a bad cluster file or usage.
            """)

    @OptionGroup var options: AdminOptions

    @Argument(help: "The stream's id (16 hex digits, as `raftcast queue` shows it).")
    var id: String

    @Flag(name: .long, help: "Print the queue after the change as JSON.")
    var json = false

    func run() throws {
        let id = try AdminOptions.streamID(id)
        let queue = try options.perform(subject: id) { client throws(AdminClient.Failure) in try client.removeFromQueue(id) }
        try AdminOptions.printQueue(queue, json: json)
    }
}
