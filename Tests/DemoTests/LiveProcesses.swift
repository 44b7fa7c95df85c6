import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The machine's processes as /proc lists them, to find the ones a `raftcast demo` started (their command
/// line holds its work folder) and to tell whether they still run. A zombie (exited, not yet reaped by
/// whoever adopted it) does not run.
enum LiveProcesses {
    /// The running processes whose command line (its arguments joined by spaces) contains `text`.
    static func matching(_ text: String) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return false }
            let commandLine = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return commandLine.contains(text) && isRunning(pid)
        }.sorted()
    }

    /// Whether `pid` exists and is not a zombie (its state in /proc/PID/stat, after the command's `)`).
    static func isRunning(_ pid: pid_t) -> Bool {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return false }
        let stat = String(decoding: data, as: UTF8.self)
        guard let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].drop { $0 == " " }.first
        return state != nil && state != "Z" && state != "X"
    }

    /// SIGKILL to every process still running among `pids` (a test's cleanup after a failure).
    static func killAll(_ pids: [pid_t]) {
        for pid in pids where isRunning(pid) { kill(pid, SIGKILL) }
    }
}
