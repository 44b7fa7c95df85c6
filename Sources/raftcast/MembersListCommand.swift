import ArgumentParser
import RaftcastClient

/// `raftcast members [list]`: every member (`GET /v1/members`, from the leader when it answers): id, role,
/// Raft and HTTP address, whether the answering node reaches it, and the leader's match index.
struct MembersListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the members: id, role, addresses, reachable, match index.",
        discussion: """
            ROLE is voter or listener; REACHABLE whether the answering node (the leader when it answers) \
            has a live connection to the member (* marks the answering node itself); MATCH the highest log \
            index the leader knows the member holds (- when no leader answered). --json prints \
            GET /v1/members as it is.

            Exit status: 0 listed; 1 when no node answered; 2 for a bad cluster file, a refused token or usage.
            """)

    @OptionGroup var options: AdminOptions

    @Flag(name: .long, help: "Print GET /v1/members as JSON.")
    var json = false

    func run() throws {
        let list = try options.perform { client throws(AdminClient.Failure) in try client.members() }
        if json {
            try AdminOptions.printJSON(list)
        } else {
            print(Self.table(list))
        }
    }

    static func table(_ list: MemberList) -> String {
        guard !list.members.isEmpty else { return "no members" }
        var rows = [["ID", "ROLE", "RAFT", "HTTP", "REACHABLE", "MATCH"]]
        for member in list.members {
            rows.append([
                UntrustedText.escaped(member.id) + (member.isSelf ? " *" : ""), UntrustedText.escaped(member.role),
                UntrustedText.escaped(member.raft), UntrustedText.escaped(member.http), member.reachable ? "yes" : "no",
                member.matchIndex.map { "\($0)" } ?? "-",
            ])
        }
        return TextTable.render(rows)
    }
}
