/// Where the demo's nodes play.
public enum DemoAudio: Sendable, Hashable {
    /// Each node writes what it plays to `<work>/<id>.wav` through ALSA's file plugin (no sound card
    /// needed; the files are kept for listening and comparing).
    case fileCapture
    /// Every node plays to this ALSA device (e.g. `default`, which mixes them on a real card).
    case device(String)

    /// Parses `--audio`: `file`, or an ALSA device name (no spaces, no quotes, not `none`).
    public init?(argument: String) {
        if argument == "file" {
            self = .fileCapture
            return
        }
        let forbidden: Set<Character> = [" ", "\t", "\n", "\"", "'"]
        guard !argument.isEmpty, argument.lowercased() != "none", !argument.contains(where: forbidden.contains) else {
            return nil
        }
        self = .device(argument)
    }

    /// The `audio:` value of node `id` whose working folder is `directory`.
    public func device(forNode id: String, directory: String) -> String {
        switch self {
        case .fileCapture: "file:FILE=\(captureFile(forNode: id, directory: directory)),FORMAT=wav"
        case .device(let name): name
        }
    }

    /// The WAV file node `id` writes, when capturing to files.
    public func captureFile(forNode id: String, directory: String) -> String {
        directory + "/" + id + ".wav"
    }
}
