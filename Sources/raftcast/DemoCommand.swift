import ArgumentParser
import Demo
import Foundation
import Media

/// `raftcast demo`: the kill-a-node failover demo on one machine, with a verdict at the end.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a cluster on this machine, broadcast a file, kill the leader mid-stream, and judge the takeover.",
        discussion: """
            Starts --nodes `raftcast node` processes on loopback (a cluster.yaml and secret in a new \
            folder under /tmp, kept afterwards), broadcasts the media with `raftcast ingest` (paced, \
            as live), SIGKILLs the leader after --kill-after seconds, and shows every node's role, \
            term, commit index and playback live. Once the stream has played out it stops the \
            nodes and prints a verdict: time to a new leader, the audible gap at the takeover on \
            every surviving node (from their play logs), fragments played, inter-node skew, and \
            the WAV files each node played into (--audio file).

            Exit status: 0 when the verdict passes (a new leader, every fragment played once on \
            every survivor, no gap or overlap); 1 when it fails or the cluster could not be run; \
            2 for bad input.
            """
    )

    @Option(help: "How many nodes (\(DemoOptions.minimumNodes)–\(DemoOptions.maximumNodes)).")
    var nodes: Int = 3

    @Option(help: "The MP3/MP4 file to broadcast (default: media/sample.mp3 of the raftcast checkout).")
    var media: String?

    @Option(name: .customLong("kill-after"), help: "Seconds into the broadcast at which the leader is killed (default: a third of the media).")
    var killAfter: Double?

    @Option(help: "'file' (each node writes <work>/<node>.wav through ALSA's file plugin) or an ALSA device for every node, e.g. 'default'.")
    var audio: String = "file"

    func run() throws {
        let options = try CLIFailure.reporting { () throws -> DemoOptions in
            let path = try media ?? Self.defaultMedia()
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw CLIFailure.badInput(path, "no such readable file")
            }
            let source = try MediaSource(path: path)
            do {
                return try DemoOptions.validate(
                    nodes: nodes, media: URL(fileURLWithPath: path).standardizedFileURL.path,
                    mediaDuration: source.durationSeconds, killAfter: killAfter, audio: audio)
            } catch let error as DemoOptionsError {
                throw CLIFailure.badInput(error.setting, error.reason)
            }
        }
        let verdict = try CLIFailure.reporting { try DemoSession(options: options, executable: Self.executablePath()).run() }
        if !verdict.passed { throw ExitCode(CLIFailure.Code.runtimeFailure.rawValue) }
    }

    /// This executable, which the demo runs as `raftcast node` and `raftcast ingest`.
    static func executablePath() -> String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    }

    /// Where the demo's sample is installed: `/usr/share/raftcast/media` (the Docker image), and
    /// `share/raftcast/media` beside the executable's `bin/` (an unpacked release tarball).
    static let installedMedia = "/usr/share/raftcast/media/sample.mp3"

    /// `media/sample.mp3` in the current folder, or in a folder above the executable (the checkout
    /// it was built in: `.build/<triple>/<config>/raftcast`); else the installed sample: next to the
    /// executable's folder (`<prefix>/bin/raftcast` → `<prefix>/share/raftcast/media/sample.mp3`), then
    /// ``installedMedia``.
    static func defaultMedia() throws -> String {
        let relative = "media/sample.mp3"
        var candidates = [FileManager.default.currentDirectoryPath + "/" + relative]
        let executableFolder = URL(fileURLWithPath: executablePath()).deletingLastPathComponent()
        var folder = executableFolder
        for _ in 0..<5 {
            candidates.append(folder.appendingPathComponent(relative).path)
            folder = folder.deletingLastPathComponent()
        }
        candidates.append(executableFolder.deletingLastPathComponent().appendingPathComponent("share/raftcast/" + relative).path)
        candidates.append(installedMedia)
        guard let found = candidates.first(where: { FileManager.default.isReadableFile(atPath: $0) }) else {
            throw CLIFailure.badInput("--media", "no file given and \(relative) not found (looked in \(candidates.joined(separator: ", ")))")
        }
        return found
    }
}
