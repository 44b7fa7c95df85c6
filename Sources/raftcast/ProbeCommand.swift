import ArgumentParser
import Foundation
import Media

/// `raftcast probe FILE [--fragment-seconds S] [--json]`: shows a media file's
/// streams and how it would be cut into fragments.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Show a media file's streams and its fragment plan.",
        discussion: """
            Opens an MP3, MP4 or M4A file the way `raftcast ingest` does, lists its audio \
            track and video track (cover art is ignored) and cuts it into fragments: with \
            video each fragment starts at a keyframe at least S seconds after the previous \
            one; audio-only the cut falls on the packet boundary nearest S seconds.

            The table lists, per fragment: index, start time (pts, s), duration (s), size \
            of its binary record (bytes), packet count, and whether it starts with a \
            keyframe. --json prints the same as one JSON document; its keys are described \
            in docs/media-format.md.

            Exit status: 0 success; 2 bad input (missing, unreadable, unsupported or \
            damaged file) or bad usage, with one line `error: <file>: <reason>` on stderr; \
            1 other runtime failure. Warnings (e.g. a file that ends early) are printed \
            as `warning: <file>: <message>` and do not change the exit status.
            """
    )

    @Argument(help: "The MP3, MP4 or M4A file.")
    var file: String

    @Option(
        name: .customLong("fragment-seconds"), parsing: .unconditional,
        help: ArgumentHelp(
            "Target fragment duration in seconds "
                + "(\(MediaSource.minimumFragmentSeconds)–\(MediaSource.maximumFragmentSeconds)).",
            valueName: "S"))
    var fragmentSeconds: String = String(MediaSource.defaultFragmentSeconds)

    @Flag(help: "Print a JSON document instead of the table.")
    var json = false

    func run() throws {
        try CLIFailure.reporting {
            guard let seconds = Double(fragmentSeconds) else {
                throw CLIFailure.badInput("--fragment-seconds", "'\(fragmentSeconds)' is not a number")
            }
            try MediaSource.validate(fragmentSeconds: seconds, file: file)
            let source = try MediaSource(path: file)
            // Opening the decoder refuses audio FFmpeg knows but cannot decode.
            _ = try AudioDecoder(header: source.header, file: file)
            let plan = try FragmentPlan(source: source, targetSeconds: seconds) { warning in
                Diagnostics.warning(subject: warning.file, message: warning.message)
            }
            if json {
                print(try ProbeReport(file: file, source: source, plan: plan).jsonText())
            } else {
                print(ProbeReport.table(file: file, source: source, plan: plan), terminator: "")
            }
        }
    }
}
