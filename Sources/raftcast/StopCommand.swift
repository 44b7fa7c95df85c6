import ArgumentParser
import RaftcastClient

/// `raftcast stop`: stops the programme and clears it (`POST /v1/queue/stop`).
struct StopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop the item playing and clear the queue.",
        discussion: """
            The playing item ends at its next fragment boundary after the playout delay and no upcoming \
            item plays; the streams stay in the catalogue (`raftcast streams`). Prints the queue after the \
            change.

            Exit status: 0 done; 1 when there is nothing to stop (refused), the cluster has no leader \
            or no quorum, or no node answered; 2 for a bad cluster file or usage.
            """)

    @OptionGroup var options: AdminOptions

    @Flag(name: .long, help: "Print the queue after the change as JSON.")
    var json = false

    func run() throws {
        let queue = try options.perform { client throws(AdminClient.Failure) in try client.stop() }
        try AdminOptions.printQueue(queue, json: json)
    }
}
