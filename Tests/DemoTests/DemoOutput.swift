import Foundation

/// What `raftcast demo` printed.
enum DemoOutput {
    /// The folder named by `work folder: <path> (…)`.
    static func workFolder(_ stdout: String) -> String? {
        for line in stdout.split(separator: "\n") where line.hasPrefix("work folder: ") {
            return line.dropFirst("work folder: ".count).split(separator: " ").first.map(String.init)
        }
        return nil
    }

    /// The node named in `SIGKILL nX, the leader`.
    static func killedLeader(_ stdout: String) -> String? {
        guard let range = stdout.range(of: "SIGKILL ") else { return nil }
        return stdout[range.upperBound...].split(separator: ",").first.map(String.init)
    }

    /// The last lines of the node and ingest logs in `work`.
    static func logTails(_ work: String, lines: Int = 12) -> String {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: work)) ?? []).filter { $0.hasSuffix(".log") }.sorted()
        return names.map { name in
            let text = (try? String(contentsOfFile: work + "/" + name, encoding: .utf8)) ?? ""
            return "\n--- \(name)\n" + text.split(separator: "\n").suffix(lines).joined(separator: "\n")
        }.joined()
    }
}
