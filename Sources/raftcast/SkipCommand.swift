import ArgumentParser
import RaftcastClient

/// `raftcast skip`: ends the playing item early (`POST /v1/queue/skip`).
struct SkipCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skip",
        abstract: "End the item playing; the next one follows.",
        discussion: """
            The item ends at its next fragment boundary after the playout delay, at the same sample on \
            every node, and the next item starts right after it. Prints the queue after the change.

            Exit status: 0 done; 1 when nothing plays (refused), the cluster has no leader or no \
            quorum, or no node answered; 2 for a bad cluster file or usage.
            """)

    @OptionGroup var options: AdminOptions

    @Flag(name: .long, help: "Print the queue after the change as JSON.")
    var json = false

    func run() throws {
        let queue = try options.perform { client throws(AdminClient.Failure) in try client.skip() }
        try AdminOptions.printQueue(queue, json: json)
    }
}
