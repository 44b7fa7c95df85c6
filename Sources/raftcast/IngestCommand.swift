import ArgumentParser
import Foundation
import Media
import RaftcastClient

/// `raftcast ingest FILE`: broadcasts a media file through the cluster (upload to the leader, or a file of
/// its media library), shows progress, and follows leader changes until every fragment is committed.
struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Broadcast a media file through the cluster and wait until every fragment is committed.",
        discussion: """
            Checks FILE locally first (as `raftcast probe` does, with the cluster's fragment_seconds), \
            then finds the leader through any node of the cluster file, uploads FILE to \
            POST /v1/streams under a random stream id and follows the stream until it has ended with \
            every fragment committed on a majority. On a lost connection or a leader change it finds \
            the new leader and posts again under the same id, which resumes the ingest where it stopped.

            --library names a file of the cluster's media library (media_dir) instead of uploading \
            one; it is not checked locally.

            Progress goes to stderr (a bar on a terminal, a line per second otherwise); the closing \
            summary to stdout.

            A leader that answers 5xx (507: its disk is full; no quorum) is tried again, waiting \
            longer after each failure in a row (up to 2 s), until --timeout passes without progress.

            --name and the file name must be plain text (no control characters such as a newline), \
            at most 256 and 255 bytes.

            Exit status: 0 when the stream has ended with every fragment committed; 2 bad input (a \
            missing or unusable file, a file the cluster refuses, a bad name, a bad cluster file or \
            usage); 1 when no leader or no progress is seen for --timeout seconds (including a \
            leader whose disk stays full).
            """
    )

    @Argument(help: "The MP3, MP4 or M4A file (with --library: its path inside media_dir).")
    var file: String

    @Option(name: .long, help: "The cluster configuration.")
    var config: String = "cluster.yaml"

    @Option(name: .long, help: "The stream's name (default: the file name).")
    var name: String?

    @Flag(name: .long, help: "Commit as fast as the cluster can instead of at playback speed.")
    var fast = false

    @Flag(
        name: .long,
        help: "Interrupt the programme: the item playing ends at its next fragment boundary and this one follows (default: join the end of the queue).")
    var now = false

    @Flag(name: .long, help: "FILE names a file of the cluster's media library instead of a local file.")
    var library = false

    @Option(
        name: .long, parsing: .unconditional,
        help: ArgumentHelp("Give up after this long without a leader or progress.", valueName: "SECONDS"))
    var timeout: String = "30"

    func run() throws {
        try ExitWithParent.applyIfAsked(ProcessInfo.processInfo.environment)
        let cluster = try ClusterConfigFile.load(config)
        let outcome: (IngestClient.Outcome, IngestProgressReporter) = try CLIFailure.reporting {
            guard let seconds = Double(timeout), seconds.isFinite, seconds > 0, seconds <= 86_400 else {
                throw CLIFailure.badInput("--timeout", "'\(timeout)' is not a number of seconds in (0, 86400]")
            }
            if let name, let reason = UntrustedText.refusal(name, maxBytes: UntrustedText.maxNameBytes) {
                throw CLIFailure.badInput("--name", reason)
            }
            let fileName = (file as NSString).lastPathComponent
            let fileNameLimit = library ? UntrustedText.maxLibraryPathBytes : UntrustedText.maxFileNameBytes
            if let reason = UntrustedText.refusal(library ? file : fileName, maxBytes: fileNameLimit) {
                throw CLIFailure.badInput(UntrustedText.escaped(file), "the file name \(reason)")
            }
            let media: IngestClient.Request.Media
            if library {
                guard !file.isEmpty, !file.hasPrefix("/"), !file.split(separator: "/").contains("..") else {
                    throw CLIFailure.badInput(file, "a library file is named by a path inside media_dir")
                }
                media = .library(file)
            } else {
                try Self.check(file, fragmentSeconds: cluster.fragmentSeconds)
                media = .upload(path: file)
            }
            var generator = SystemRandomNumberGenerator()
            let request = IngestClient.Request(
                media: media, streamID: IngestClient.streamID(UInt64.random(in: 1...UInt64.max, using: &generator)),
                name: name, fast: fast, now: now)
            let reporter = IngestProgressReporter(streamID: request.streamID, terminal: .standardError)
            let client = IngestClient(
                cluster: cluster, request: request, attemptTimeout: .milliseconds(Int64(seconds * 1000)),
                onEvent: reporter.handle)
            do throws(IngestClient.Failure) {
                return (try client.run(), reporter)
            } catch {
                reporter.clear()
                switch error {
                case .rejected(let problem) where problem.status == 401:
                    throw CLIFailure.badInput(config, "the cluster refused the admin token: is secret_file the cluster's secret? (\(UntrustedText.escaped(problem.detail)))")
                case .rejected(let problem):
                    throw CLIFailure.badInput(
                        file, UntrustedText.escaped("refused by the cluster: \(problem.detail) (\(problem.status) \(problem.slug))"))
                case .unavailable(let reason):
                    throw CLIFailure.runtime(config, UntrustedText.escaped(reason))
                }
            }
        }
        outcome.1.finish(outcome.0)
    }

    /// Opens `file` as `raftcast probe` does and cuts it with the cluster's fragment length: a file that
    /// would be refused fails here, before any upload.
    static func check(_ file: String, fragmentSeconds: Double) throws {
        let source = try MediaSource(path: file)
        _ = try AudioDecoder(header: source.header, file: file)
        let plan = try FragmentPlan(source: source, targetSeconds: fragmentSeconds) { warning in
            Diagnostics.warning(subject: warning.file, message: warning.message)
        }
        guard !plan.entries.isEmpty else { throw CLIFailure.badInput(file, "no fragments (no audio packets)") }
    }
}
