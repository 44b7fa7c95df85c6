import ArgumentParser

/// `raftcast members`: the cluster's members (bare: `members list`) and their changes (`add`, `remove`,
/// `promote`, `demote`).
struct MembersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "members",
        abstract: "Show and change the cluster's members: voters and listeners, their addresses and how they keep up.",
        discussion: """
            cluster.yaml bootstraps the membership; from then on it lives in the log (docs/node.md, \
            "Members"). Voters form the Raft quorum; listeners receive and play everything but never vote. \
            Changes go one at a time through the leader, with the admin token. Like every command that talks \
            to the cluster, it finds the current members through the nodes of the cluster file: one of them \
            must be a live member (docs/members.md, "How the CLI finds the cluster").
            """,
        subcommands: [
            MembersListCommand.self, MembersAddCommand.self, MembersRemoveCommand.self, MembersPromoteCommand.self,
            MembersDemoteCommand.self,
        ],
        defaultSubcommand: MembersListCommand.self)
}
