import Foundation
import RaftcastClient
import XCTest

/// `raftcast --version` prints the release (``RaftcastVersion``) on one line and exits 0, as do the
/// subcommands' `--version`; the version is `MAJOR.MINOR.PATCH`.
final class VersionCommandTests: XCTestCase {
    func testVersionIsOneLineAndExitsZero() throws {
        XCTAssertNotNil(RaftcastVersion.current.wholeMatch(of: /[0-9]+\.[0-9]+\.[0-9]+/))
        let result = try RaftcastBinary.run(["--version"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "raftcast \(RaftcastVersion.current)\n")
        XCTAssertEqual(result.stderr, "")
    }
}
