import ArgumentParser
import RaftcastClient

/// `raftcast token`: prints the cluster's admin bearer token (HMAC-SHA256 of the secret), for curl and
/// scripts: `curl -H "Authorization: Bearer $(raftcast token)" …`.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Print the admin bearer token of the cluster (for curl and scripts).",
        discussion: "The token is hex(HMAC-SHA256(cluster secret, \"raftcast-admin-v1\")); anyone holding it can write.")

    @Option(name: .long, help: "The cluster configuration (its secret_file is read).")
    var config: String = "cluster.yaml"

    func run() throws {
        let cluster = try ClusterConfigFile.load(config)
        print(AdminToken.token(secret: cluster.secret))
    }
}
