import ArgumentParser
import RaftcastClient

/// `raftcast members add ID --raft HOST:PORT --http HOST:PORT [--voter]`: adds a member (`POST /v1/members`).
struct MembersAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a member: a listener (plays, never votes), or a voter with --voter.",
        discussion: """
            The change is committed through the log; every member learns the new member's addresses and \
            accepts its connections. Start the new node with `raftcast node --join MEMBER --id ID` and the same \
            addresses (it joins as what was added: a voter with --voter), or with a cluster.yaml that names it \
            (docs/members.md). \
            Prints `added ID (ROLE, raft RAFT, http HTTP)`.

            Exit status: 0 added; 1 refused (the id or an address is taken, the change would lose the \
            quorum, another change is in progress), no leader, no quorum or no node answered; 2 for a bad \
            id or address, a bad cluster file or usage.
            """)

    @OptionGroup var options: AdminOptions

    @Argument(help: "The new member's id (letters, digits, '.', '_', '-').")
    var id: String

    @Option(name: .long, help: "Its node-to-node address, HOST:PORT.")
    var raft: String

    @Option(name: .long, help: "Its HTTP address, HOST:PORT.")
    var http: String

    @Flag(name: .long, help: "Add it as a voter (default: a listener).")
    var voter = false

    func run() throws {
        if case .failure(let error) = MemberAddRequest(id: id, raft: raft, http: http).record() {
            throw CLIFailure.reportingExit(.badInput(UntrustedText.escaped(String(id.prefix(80))), error.reason))
        }
        let member = try options.performChange(subject: id) { client throws(AdminClient.Failure) in
            try client.addMember(id, raft: raft, http: http, voter: voter)
        }
        print("added \(Self.line(member))")
    }

    /// `ID (ROLE, raft RAFT, http HTTP)`, escaped.
    static func line(_ member: MemberList.Member) -> String {
        "\(UntrustedText.escaped(member.id)) (\(UntrustedText.escaped(member.role)), raft \(UntrustedText.escaped(member.raft)), http \(UntrustedText.escaped(member.http)))"
    }
}
