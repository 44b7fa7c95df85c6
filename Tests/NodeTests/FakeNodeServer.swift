import Foundation
import Hummingbird
import Logging
import NIOCore
import XCTest

/// An in-process HTTP server (Hummingbird, on 127.0.0.1 and a free port) standing in for one node's API
/// in the client tests: each test gives it the routes it needs. Stopped by ``stop()`` (registered as a
/// teardown block by ``start(_:)``).
final class FakeNodeServer: @unchecked Sendable {
    let port: Int
    private let task: Task<Void, any Error>

    private init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        self.task = task
    }

    /// Starts a server with the routes `configure` adds; waits (bounded) until it listens.
    static func start(in testCase: XCTestCase, _ configure: (Router<BasicRequestContext>) -> Void) throws -> FakeNodeServer {
        let router = Router()
        configure(router)
        return try start(in: testCase, router: router)
    }

    /// Starts a server of `router` (e.g. a real ``NodeHTTPAPI``'s); waits (bounded) until it listens.
    static func start(in testCase: XCTestCase, router: Router<BasicRequestContext>) throws -> FakeNodeServer {
        let bound = PortBox()
        var quiet = Logger(label: "fake-node")
        quiet.logLevel = .critical  // cancelling the server at teardown logs errors that are not failures
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in bound.set(channel.localAddress?.port ?? -1) }, logger: quiet)
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        guard let port = bound.wait(seconds: 10), port > 0 else {
            task.cancel()
            throw TestFailure(description: "fake node server did not start within 10 s")
        }
        let server = FakeNodeServer(port: port, task: task)
        testCase.addTeardownBlock { server.stop() }
        return server
    }

    func stop() { task.cancel() }

    /// The port the server bound, handed over from the server's task.
    private final class PortBox: @unchecked Sendable {
        private let condition = NSCondition()
        private var port: Int?

        func set(_ value: Int) {
            condition.lock()
            port = value
            condition.broadcast()
            condition.unlock()
        }

        func wait(seconds: Double) -> Int? {
            let deadline = Date(timeIntervalSinceNow: seconds)
            condition.lock()
            defer { condition.unlock() }
            while port == nil && condition.wait(until: deadline) {}
            return port
        }
    }
}

/// A value shared between a fake server's handlers and the test, behind a lock.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withValue<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }

    var current: Value { withValue { $0 } }
}

extension Response {
    /// A JSON response of `text`.
    static func json(_ text: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// A problem+json response.
    static func problem(_ slug: String, status: HTTPResponse.Status, detail: String) -> Response {
        let text = #"{"type":"https://raftcast.dev/problems/\#(slug)","title":"\#(slug)","status":\#(status.code),"detail":"\#(detail)"}"#
        return Response(
            status: status, headers: [.contentType: "application/problem+json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
