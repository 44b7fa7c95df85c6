import ArgumentParser

/// `raftcast members`: the cluster's members (bare: `members list`).
struct MembersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "members",
        abstract: "Show the cluster's members: voters and listeners, their addresses and how they keep up.",
        discussion: """
            cluster.yaml bootstraps the membership; from then on it lives in the log (docs/node.md, \
            "Members"). Voters form the Raft quorum; listeners receive and play everything but never vote.
            """,
        subcommands: [MembersListCommand.self],
        defaultSubcommand: MembersListCommand.self)
}
