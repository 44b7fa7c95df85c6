import Foundation

/// A temporary folder for one test process, removed when the process exits (through `atexit`,
/// which XCTest's runner reaches when it finishes), so fixtures can be shared by every test of a
/// suite without leaking folders into /tmp.
public enum ScratchDirectory {
    /// Creates (once per `prefix`) and returns `<tmp>/<prefix>-<pid>`.
    public static func forProcess(prefix: String) -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        registry.add(url)
        return url
    }

    private static let registry = Registry()

    /// The folders to remove at exit; installs the exit hook on first use.
    private final class Registry: @unchecked Sendable {
        private let lock = NSLock()
        private var urls: Set<URL> = []
        private var hooked = false

        func add(_ url: URL) {
            lock.lock()
            defer { lock.unlock() }
            urls.insert(url)
            if !hooked {
                hooked = true
                atexit { ScratchDirectory.registry.removeAll() }
            }
        }

        func removeAll() {
            lock.lock()
            defer { lock.unlock() }
            for url in urls { try? FileManager.default.removeItem(at: url) }
            urls.removeAll()
        }
    }
}
