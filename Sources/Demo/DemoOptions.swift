/// The validated settings of one `raftcast demo` run.
///
/// Built by ``validate(nodes:media:mediaDuration:killAfter:audio:)`` from what the user typed and what
/// is known about the media file; every rule that can reject input lives there, so the command only
/// orchestrates processes.
public struct DemoOptions: Sendable, Hashable {
    /// Smallest cluster in which a leader can be killed and a new one still has a quorum.
    public static let minimumNodes = 3
    /// Largest cluster the demo starts on one machine.
    public static let maximumNodes = 7
    /// The leader is never killed before this much of the stream has been committed…
    public static let minimumKillAfterSeconds = 1.0
    /// …nor later than this long before the media ends (so there is a takeover to watch).
    public static let killMarginSeconds = 2.0

    /// How many nodes to start.
    public var nodeCount: Int
    /// The media file to broadcast (absolute path).
    public var mediaPath: String
    /// The media's duration in seconds.
    public var mediaSeconds: Double
    /// Seconds after the ingest starts at which the leader is SIGKILLed.
    public var killAfterSeconds: Double
    /// Where every node plays.
    public var audio: DemoAudio

    /// Checks the user's settings against each other and the media file.
    /// - Parameters:
    ///   - nodes: `--nodes`.
    ///   - media: the media file's path, for messages.
    ///   - mediaDuration: its duration in seconds (nil when the container does not say).
    ///   - killAfter: `--kill-after` in seconds, or nil for a third of the media.
    ///   - audio: `--audio` as typed (`file`, or an ALSA device name).
    public static func validate(
        nodes: Int, media: String, mediaDuration: Double?, killAfter: Double?, audio: String
    ) throws(DemoOptionsError) -> DemoOptions {
        guard (minimumNodes...maximumNodes).contains(nodes) else {
            throw DemoOptionsError(
                setting: "--nodes",
                reason: "\(nodes) is outside \(minimumNodes)–\(maximumNodes) (a failover needs a quorum of the survivors)")
        }
        guard let mediaDuration, mediaDuration.isFinite, mediaDuration > 0 else {
            throw DemoOptionsError(setting: media, reason: "the media's duration is unknown, so the demo cannot plan the kill")
        }
        let latestKill = mediaDuration - killMarginSeconds
        guard latestKill >= minimumKillAfterSeconds else {
            throw DemoOptionsError(
                setting: media,
                reason: String(
                    format: "%.1f s is too short for a failover demo (at least %.0f s)", mediaDuration,
                    minimumKillAfterSeconds + killMarginSeconds))
        }
        let kill = killAfter ?? max(minimumKillAfterSeconds, mediaDuration / 3)
        guard kill.isFinite, kill >= minimumKillAfterSeconds, kill <= latestKill else {
            throw DemoOptionsError(
                setting: "--kill-after",
                reason: String(
                    format: "%g s must be between %.1f s and %.1f s (%.1f s of media, less %.0f s)", kill,
                    minimumKillAfterSeconds, latestKill, mediaDuration, killMarginSeconds))
        }
        guard let device = DemoAudio(argument: audio) else {
            throw DemoOptionsError(setting: "--audio", reason: "must be 'file' or an ALSA device name such as 'default'")
        }
        return DemoOptions(nodeCount: nodes, mediaPath: media, mediaSeconds: mediaDuration, killAfterSeconds: kill, audio: device)
    }

    /// The node ids, `n1` … `nN`.
    public var nodeIDs: [String] { (1...nodeCount).map { "n\($0)" } }
}

/// A `raftcast demo` setting that cannot work, with the reason.
public struct DemoOptionsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The option or file concerned.
    public var setting: String
    /// Why, in one sentence.
    public var reason: String

    /// `<setting>: <reason>`.
    public var description: String { "\(setting): \(reason)" }
}
