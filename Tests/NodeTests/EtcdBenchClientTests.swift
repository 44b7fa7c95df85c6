import Foundation
import TestSupport
import XCTest

/// scripts/lib/etcd_grpc_bench.py, the cluster benchmark's etcd client: its hand-written protobuf
/// encoding of PutRequest and decoding of StatusResponse (leader detection), its rejection of truncated
/// messages and its percentile rank, checked by the script's own `--self-test` (Debian's python3; the
/// self-test needs no grpcio), and bad arguments (counts, endpoints, the pid to kill) refused with one line.
final class EtcdBenchClientTests: XCTestCase {
    private var script: String { PythonTools.repositoryRoot.appendingPathComponent("scripts/lib/etcd_grpc_bench.py").path }

    func testProtobufEncodingSelfTest() throws {
        let result = try ToolProcess.run("/usr/bin/python3", [script, "--self-test"], timeout: 30)
        XCTAssertEqual(result.status, 0, result.stderrText)
        XCTAssertEqual(result.stdoutText, "etcd_grpc_bench self-test: ok\n")
    }

    func testRefusesBadArguments() throws {
        let result = try ToolProcess.run(
            "/usr/bin/python3", [script, "--endpoints", "127.0.0.1:1", "--count", "0"], timeout: 30)
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderrText.contains("must be positive"), result.stderrText)
        let endpoint = try ToolProcess.run("/usr/bin/python3", [script, "--endpoints", "127.0.0.1:1,etcd"], timeout: 30)
        XCTAssertEqual(endpoint.status, 2)
        XCTAssertTrue(endpoint.stderrText.contains("bad endpoint 'etcd' (want host:port)"), endpoint.stderrText)
        // The failover probe never signals init or a process group.
        let kill = try ToolProcess.run("/usr/bin/python3", [script, "--endpoints", "127.0.0.1:1", "--kill-pid", "0"], timeout: 30)
        XCTAssertEqual(kill.status, 2)
        XCTAssertEqual(kill.stderrText, "etcd_grpc_bench: error: --kill-pid must be a process id > 1\n")
    }
}
