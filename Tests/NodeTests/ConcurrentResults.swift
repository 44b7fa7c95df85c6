import Foundation

/// Results of concurrent blocking calls, by index.
final class ConcurrentResults: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int: Result<Duration?, any Error>] = [:]

    func set(_ index: Int, _ value: Result<Duration?, any Error>) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }

    func get(_ index: Int) throws -> Duration? {
        lock.lock()
        defer { lock.unlock() }
        guard let value = values[index] else { throw TestFailure(description: "no result \(index)") }
        return try value.get()
    }
}
