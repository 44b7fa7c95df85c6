import ArgumentParser
import RaftcastClient

/// Loading cluster.yaml for the CLI: every problem printed as its own
/// `error: <file>: <reason>` line, then exit 2.
enum ClusterConfigFile {
    static func load(_ path: String) throws -> ClusterConfig {
        switch Result(catching: { () throws(ClusterConfigError) in try ClusterConfig.load(path: path) }) {
        case .success(let config):
            return config
        case .failure(let error):
            for line in error.lines { Terminal.standardError.writeLine(line) }
            throw ExitCode(CLIFailure.Code.badInput.rawValue)
        }
    }

    /// The member to run as (`--id`, or the one whose raft address is local); exit 2 when none fits.
    static func localMember(_ cluster: ClusterConfig, id: String?, path: String) throws -> ClusterConfig.Member {
        let local = ClusterConfig.localInterfaceAddresses().union(["localhost"])
        switch Result(catching: { () throws(LocalNodeError) in try cluster.localMember(id: id, localAddresses: local) }) {
        case .success(let member):
            return member
        case .failure(let error):
            throw CLIFailure.reportingExit(.badInput(path, error.message))
        }
    }
}
