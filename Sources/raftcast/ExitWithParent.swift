import CProcessControl
import RaftcastClient

#if canImport(Glibc)
import Glibc
#endif

/// `RAFTCAST_EXIT_WITH_PARENT=<pid>`: a process that must not outlive the one that started it (the nodes
/// and the ingest of `raftcast demo`). Foundation's `Process` cannot run code between fork and exec, so
/// the child does it on itself as it starts: it asks the kernel for SIGTERM when its parent dies
/// (`PR_SET_PDEATHSIG`, which a SIGKILLed parent cannot skip), then checks that its parent is still
/// `<pid>` — had the parent died before that, the child was already handed to another process and would
/// never get the signal, so it exits at once instead. SIGTERM stops a node cleanly (the service group,
/// bounded by its `ShutdownWatchdog`).
///
/// The kernel sends the signal when the *thread* that spawned the child exits: the demo spawns from its
/// main thread, which lives as long as the process.
enum ExitWithParent {
    /// The environment variable's name.
    static let variable = "RAFTCAST_EXIT_WITH_PARENT"

    /// The environment entry that makes a child started by this process die with it.
    static func environment() -> [String: String] {
        [variable: String(getpid())]
    }

    /// Applies `environment[variable]` when it is set: the parent-death signal, then the parent check.
    /// - Throws: the exit that carries the one-line error already printed: 2 for a value that is not a
    ///   process id, 1 when the parent is not (or no longer) that process or the kernel refuses.
    static func applyIfAsked(_ environment: [String: String]) throws {
        guard let value = environment[variable] else { return }
        guard let parent = Self.processID(value) else {
            let shown = UntrustedText.escaped(String(value.prefix(40))) + (value.count > 40 ? "…" : "")
            throw CLIFailure.reportingExit(.badInput(variable, "'\(shown)' is not a process id (a whole number from 2)"))
        }
        guard raftcast_set_parent_death_signal(SIGTERM) == 0 else {
            throw CLIFailure.reportingExit(.runtime(variable, "the kernel refused the parent-death signal (errno \(errno))"))
        }
        let actual = getppid()
        guard actual == parent else {
            throw CLIFailure.reportingExit(
                .runtime(variable, "the parent \(parent) is gone or is not this process's parent (\(actual)): not starting"))
        }
    }

    /// `text` as a process id: decimal digits only, 2 ... Int32.max (1 is init, never a demo).
    private static func processID(_ text: String) -> pid_t? {
        guard !text.isEmpty, text.utf8.count <= 10, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let value = Int32(text), value > 1
        else { return nil }
        return value
    }
}
