import ArgumentParser
import RaftcastClient

/// `raftcast members remove ID`: member ID leaves the cluster (`DELETE /v1/members/{id}`).
struct MembersRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a member: its connections are closed and it is refused from then on.",
        discussion: """
            The leader refuses to remove itself (transfer leadership first) and a removal that would leave \
            fewer reachable voters than a majority. Prints `removed ID`.

            Exit status: 0 removed; 1 refused (unknown member, the leader itself, the quorum, another change \
            in progress), no leader, no quorum or no node answered; 2 for a bad cluster file or usage.
            """)

    @OptionGroup var options: AdminOptions

    @Argument(help: "The member's id.")
    var id: String

    func run() throws {
        try options.performChange(subject: id) { client throws(AdminClient.Failure) in try client.removeMember(id) }
        print("removed \(UntrustedText.escaped(id))")
    }
}
