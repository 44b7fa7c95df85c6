import ArgumentParser
import RaftcastClient

/// `raftcast streams [list]`: every stream of the catalogue (`GET /v1/streams` of the first node that
/// answers): name, id, length, source size, state and committed fragments.
struct StreamsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the streams: names, ids, lengths, sizes and states.",
        discussion: """
            DURATION is what is committed (the whole length once the stream has ended); SIZE the source \
            file's; STATE ingesting, ended or failed. --json prints GET /v1/streams as it is.

            Exit status: 0 listed; 1 when no node answered; 2 for a bad cluster file or usage.
            """)

    @OptionGroup var options: AdminOptions

    @Flag(name: .long, help: "Print GET /v1/streams as JSON.")
    var json = false

    func run() throws {
        let streams = try options.perform { client throws(AdminClient.Failure) in try client.streams() }
        if json {
            try AdminOptions.printJSON(StreamList(streams: streams))
        } else {
            print(Self.table(streams))
        }
    }

    static func table(_ streams: [StreamResource]) -> String {
        guard !streams.isEmpty else { return "no streams" }
        // The free-text state goes last, so a long failure reason does not widen the other columns.
        var rows = [["NAME", "ID", "DURATION", "SIZE", "FRAGMENTS", "STATE"]]
        for stream in streams {
            let expected = stream.expectedFragments.map { "/\($0)" } ?? ""
            var state = stream.state
            if let failure = stream.failure { state += ": \(UntrustedText.escaped(failure))" }
            rows.append([
                UntrustedText.escaped(stream.name), stream.id, TextTable.duration(stream.committedSeconds),
                TextTable.size(stream.source.size), "\(stream.committedFragments)\(expected)", state,
            ])
        }
        return TextTable.render(rows)
    }
}
