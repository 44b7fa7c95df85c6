import ArgumentParser
import RaftcastClient

/// `raftcast streams rm ID`: removes a stream from the catalogue on every node (`DELETE /v1/streams/{id}`).
struct StreamsRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Remove a stream from the catalogue (and so from the programme) on every node.",
        discussion: """
            The removal is a log entry: every node drops the stream, and the log can be compacted below \
            it. Prints `removed stream ID`.

            Exit status: 0 removed; 1 when the cluster has no leader or no quorum, or no node answered; \
            2 for an id that is not 16 hex digits, a stream the catalogue does not know, a bad cluster \
            file or usage.
            """)

    @OptionGroup var options: AdminOptions

    @Argument(help: "The stream's id (16 hex digits, as `raftcast streams` shows it).")
    var id: String

    func run() throws {
        let id = try AdminOptions.streamID(id)
        try options.perform(subject: id) { client throws(AdminClient.Failure) in try client.removeStream(id) }
        print("removed stream \(id)")
    }
}
