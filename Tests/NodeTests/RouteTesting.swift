import Foundation
import Node
import RaftcastClient
import TestSupport
import XCTest

/// What the in-process route tests share: a scratch directory per test and a real ``NodeHTTPAPI`` over a
/// backend (a ``BackendTwin`` or an ``InProcessNode``'s loop), served through Hummingbird's router test
/// mode (`Application(router:).test(.router)`) or on loopback (``FakeNodeServer``).
enum RouteTesting {
    /// A new directory holding an empty `uploads/`, removed when `testCase` ends.
    static func directory(for testCase: XCTestCase, prefix: String) throws -> URL {
        let directory = ScratchDirectory.forProcess(prefix: prefix).appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("uploads"), withIntermediateDirectories: true)
        testCase.addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory
    }

    /// The API of `backend` for `cluster`, storing uploads in `directory/uploads`, serving `metrics`.
    static func api(
        _ backend: any NodeBackend, cluster: ClusterConfig, directory: URL, metrics: NodeMetrics = NodeMetrics(),
        debugPropose: Bool = false
    ) -> NodeHTTPAPI {
        NodeHTTPAPI(
            backend: backend, metrics: metrics, cluster: cluster,
            uploadDirectory: directory.appendingPathComponent("uploads").path, debugPropose: debugPropose)
    }

    /// The API of a ``BackendTwin`` in a one-node cluster of secret `secret` (member `n1`); `settings` are
    /// extra lines of cluster.yaml's `cluster:` section.
    static func api(
        twin: BackendTwin, for testCase: XCTestCase, secret: String, settings: [String] = [], debugPropose: Bool = false
    ) throws -> NodeHTTPAPI {
        let directory = try directory(for: testCase, prefix: "raftcast-route")
        let cluster = try InProcessNode.writeConfig(in: directory, secret: secret, name: "route-test", settings: settings)
        return api(twin, cluster: cluster, directory: directory, debugPropose: debugPropose)
    }
}
