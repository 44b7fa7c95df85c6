import ArgumentParser
import RaftcastClient

/// `raftcast members promote ID`: listener ID becomes a voter (`POST /v1/members/{id}/promote`).
struct MembersPromoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Make a listener that has caught up a voter.",
        discussion: """
            The leader refuses a listener that is behind its log or has not answered recently, and a \
            promotion after which the reachable voters would not be a majority. Prints `promoted ID (voter, …)`.

            Exit status: 0 promoted; 1 refused, no leader, no quorum or no node answered; 2 for a bad \
            cluster file or usage.
            """)

    @OptionGroup var options: AdminOptions

    @Argument(help: "The listener's id.")
    var id: String

    func run() throws {
        let member = try options.performChange(subject: id) { client throws(AdminClient.Failure) in try client.promoteMember(id) }
        print("promoted \(MembersAddCommand.line(member))")
    }
}
