import ArgumentParser
import RaftStorage

import Foundation

/// `raftcast wal`: tools for a node's write-ahead log directory.
struct WALCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wal",
        abstract: "Inspect or repair a node's write-ahead log directory.",
        subcommands: [Dump.self, Repair.self]
    )

    /// `raftcast wal dump DIR`
    struct Dump: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List segments, records (index, term, kind, size, crc), the hard state and snapshots (exit 1 on damage)."
        )

        @Argument(help: "The log directory (a node's data_dir/wal).")
        var directory: String

        func run() throws {
            let inspection: WALInspection
            do {
                inspection = try WALInspection.inspect(directory: directory)
            } catch {
                WALCommand.fail(error.description)
            }
            print(inspection.render())
            // The listing is on stdout either way; damage also makes the command fail (exit 1).
            if let damage = inspection.damage {
                fflush(nil)
                Terminal.standardError.writeLine("error: \(damage)")
                Foundation.exit(CLIFailure.Code.runtimeFailure.rawValue)
            }
        }
    }

    /// `raftcast wal repair DIR --truncate-at FILE:OFFSET --yes`
    struct Repair: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cut a segment at a record boundary and remove later segments (drops data: needs --yes)."
        )

        @Argument(help: "The log directory.")
        var directory: String

        @Option(name: .customLong("truncate-at"), help: "FILE:OFFSET, e.g. wal-0000000000000003.seg:4096 (see `wal dump`).")
        var truncateAt: String

        @Flag(help: "Consent to dropping every record at and after the offset.")
        var yes = false

        func run() throws {
            guard let colon = truncateAt.lastIndex(of: ":"), let offset = UInt64(truncateAt[truncateAt.index(after: colon)...]) else {
                WALCommand.fail("--truncate-at: expected FILE:OFFSET, got \(truncateAt)")
            }
            let file = String(truncateAt[..<colon])
            guard yes else {
                WALCommand.fail("--yes: repair drops every record of \(file) from offset \(offset) on and all later segments; pass --yes to proceed")
            }
            do {
                for line in try WALRepair.truncate(directory: directory, file: file, offset: offset) { print(line) }
            } catch {
                WALCommand.fail(error.description)
            }
        }
    }

    /// Prints `error: message` on stderr (`message` names its subject) and exits with status 2 (bad input).
    static func fail(_ message: String) -> Never {
        Terminal.standardError.writeLine("error: \(message)")
        Foundation.exit(CLIFailure.Code.badInput.rawValue)
    }
}

