import Foundation

/// Test media made by `scripts/make-media.sh` (ffmpeg lavfi sources) into this test process's
/// scratch folder, once per file name.
public enum ScriptMedia {
    /// The path of `name`, made by `make-media.sh kind seconds` unless this process made it already.
    public static func make(kind: String, seconds: Int, name: String) throws -> String {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let output = ScratchDirectory.forProcess(prefix: "raftcast-script-media").appendingPathComponent(name).path
        if FileManager.default.fileExists(atPath: output) { return output }
        let result = try ToolProcess.run(
            "/bin/bash", [repository.appendingPathComponent("scripts/make-media.sh").path, kind, String(seconds), output], timeout: 120)
        guard result.status == 0 else { throw ToolFailure(command: "make-media.sh \(kind)", stderr: result.stderrText) }
        return output
    }
}
