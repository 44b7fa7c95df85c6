import Foundation

/// An exclusive lock on a log directory, held by one ``DurableLogStorage`` (or
/// `raftcast wal repair`) at a time, so that two nodes never write one log.
/// Released by ``unlock()`` or when the value goes away.
public final class FileLock: @unchecked Sendable {
    private let mutex = NSLock()
    private var release: (() -> Void)?

    /// A lock whose `release` runs once, on unlock.
    init(release: @escaping () -> Void) {
        self.release = release
    }

    /// Releases the lock (idempotent).
    public func unlock() {
        let body = mutex.withLock { () -> (() -> Void)? in
            defer { release = nil }
            return release
        }
        body?()
    }

    deinit { unlock() }

    /// Name of the lock file in a log directory.
    public static let fileName = "LOCK"
}
