import ArgumentParser
import RaftcastClient

#if canImport(Glibc)
import Glibc
#endif

/// The `raftcast` command line tool.
///
/// Exit codes (DESIGN.md section 3): 0 success; 1 runtime failure; 2 bad input or bad usage.
/// Every error is one line on stderr beginning `error:`.
@main
struct RaftcastCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "raftcast",
        abstract: "A Raft-replicated audio/video broadcast cluster.",
        version: "raftcast \(RaftcastVersion.current)",
        subcommands: [
            NodeCommand.self, StatusCommand.self, IngestCommand.self, DemoCommand.self, ProbeCommand.self,
            PlayCommand.self, WALCommand.self, TokenCommand.self, QueueCommand.self, SkipCommand.self,
            StopCommand.self, StreamsCommand.self, MembersCommand.self,
        ]
    )

    /// Parses and runs a command; usage errors (ArgumentParser's exit 64) become one line and exit 2.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                let reason = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid usage"
                Terminal.standardError.writeLine("error: usage: \(reason) (see 'raftcast --help')")
                Glibc.exit(CLIFailure.Code.badInput.rawValue)
            }
            exit(withError: error)
        }
    }
}
