import Foundation

// The tests' one way to wait for something another thread, task or process brings about: poll a
// condition until it holds or a bound passes. Everything the tests drive themselves (a Raft core, a
// simulation) is stepped deterministically instead and never waits on the clock.
//
//     try await eventually("b reconnects to a", timeout: .seconds(5)) { link.state == .connected }
//     let frame = try eventually("the challenge frame") { socket.nextFrame() }
//
// The closure is called at once, then every `interval` until it returns true (or a value), and a
// last time once `timeout` has passed; if it still does not hold, `EventuallyTimedOut` is thrown,
// naming what was waited for, how long, and where.
//
// The synchronous forms are disfavoured overloads so that an async test, whose closures are
// synchronous too, gets the async form (which suspends instead of blocking a thread of the
// cooperative pool); a synchronous caller can only call the synchronous form.

/// Waits until `probe` returns a value and returns it.
/// - Parameters:
///   - what: what is waited for, in words ("node 2 is leader"); it names the failure.
///   - timeout: how long to wait at most.
///   - interval: the pause between two calls of `probe`.
/// - Throws: ``EventuallyTimedOut`` when `probe` returned nil until `timeout` passed; whatever `probe` throws.
@discardableResult @_disfavoredOverload
public func eventually<Value>(
    _ what: @autoclosure () -> String, timeout: Duration = .seconds(10), interval: Duration = .milliseconds(5),
    file: StaticString = #filePath, line: UInt = #line, _ probe: () throws -> Value?
) throws -> Value {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while true {
        if let value = try probe() { return value }
        if clock.now >= deadline { throw EventuallyTimedOut(what: what(), timeout: timeout, file: file, line: line) }
        Thread.sleep(forTimeInterval: interval.seconds)
    }
}

/// Waits until `condition` holds.
/// - Throws: ``EventuallyTimedOut`` when it did not hold until `timeout` passed; whatever `condition` throws.
@_disfavoredOverload
public func eventually(
    _ what: @autoclosure () -> String, timeout: Duration = .seconds(10), interval: Duration = .milliseconds(5),
    file: StaticString = #filePath, line: UInt = #line, _ condition: () throws -> Bool
) throws {
    try eventually(what(), timeout: timeout, interval: interval, file: file, line: line) {
        try condition() ? () : nil
    }
}

/// Waits until `probe` returns a value and returns it; the async form.
/// - Throws: ``EventuallyTimedOut``; `CancellationError` when the task is cancelled; whatever `probe` throws.
@discardableResult
public func eventually<Value>(
    _ what: @autoclosure () -> String, timeout: Duration = .seconds(10), interval: Duration = .milliseconds(5),
    file: StaticString = #filePath, line: UInt = #line, _ probe: () async throws -> Value?
) async throws -> Value {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while true {
        if let value = try await probe() { return value }
        if clock.now >= deadline { throw EventuallyTimedOut(what: what(), timeout: timeout, file: file, line: line) }
        try await Task.sleep(for: interval)
    }
}

/// Waits until `condition` holds; the async form.
/// - Throws: ``EventuallyTimedOut``; `CancellationError` when the task is cancelled; whatever `condition` throws.
public func eventually(
    _ what: @autoclosure () -> String, timeout: Duration = .seconds(10), interval: Duration = .milliseconds(5),
    file: StaticString = #filePath, line: UInt = #line, _ condition: () async throws -> Bool
) async throws {
    try await eventually(what(), timeout: timeout, interval: interval, file: file, line: line) {
        try await condition() ? () : nil
    }
}

/// What `eventually` throws when its
/// condition did not hold in time. Its description names what was waited for, the bound and the
/// caller's file and line (XCTest reports a thrown error at the test method, not at the wait).
public struct EventuallyTimedOut: Error, CustomStringConvertible {
    /// What was waited for, as the caller put it.
    public var what: String
    /// The bound that passed.
    public var timeout: Duration
    /// The file that called the wait.
    public var file: String
    /// The line of the call.
    public var line: UInt

    init(what: String, timeout: Duration, file: StaticString, line: UInt) {
        self.what = what
        self.timeout = timeout
        self.file = "\(file)"
        self.line = line
    }

    public var description: String {
        "\(URL(fileURLWithPath: file).lastPathComponent):\(line): timed out after \(timeout) waiting for: \(what)"
    }
}

extension Duration {
    /// This duration in seconds, as a `TimeInterval` (for APIs that take one).
    fileprivate var seconds: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
