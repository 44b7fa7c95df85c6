import ArgumentParser
import RaftcastClient

/// `raftcast members demote ID`: voter ID becomes a listener (`POST /v1/members/{id}/demote`).
struct MembersDemoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demote",
        abstract: "Make a voter a listener (it keeps playing, no longer votes).",
        discussion: """
            The leader refuses to demote itself (transfer leadership first) and a demotion after which the \
            reachable voters would not be a majority. Prints `demoted ID (listener, …)`.

            Exit status: 0 demoted; 1 refused, no leader, no quorum or no node answered; 2 for a bad \
            cluster file or usage.
            """)

    @OptionGroup var options: AdminOptions

    @Argument(help: "The voter's id.")
    var id: String

    func run() throws {
        let member = try options.performChange(subject: id) { client throws(AdminClient.Failure) in try client.demoteMember(id) }
        print("demoted \(MembersAddCommand.line(member))")
    }
}
