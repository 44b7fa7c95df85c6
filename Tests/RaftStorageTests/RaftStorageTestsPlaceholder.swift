import XCTest

final class RaftStorageTestsPlaceholder: XCTestCase {
    func testPlaceholderBuilds() {}
}
