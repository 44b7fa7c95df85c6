import XCTest

final class RaftTestsPlaceholder: XCTestCase {
    func testPlaceholderBuilds() {}
}
