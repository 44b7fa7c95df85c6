@testable import Media
import CFFmpeg
import CFFmpegFormat
import Foundation
import XCTest
import TestSupport

/// libavformat is loaded on first use (CFFmpegFormat), not at start: a node that only plays never maps it
/// and the libraries it pulls in (BENCHMARKS.md, "Cost of playing").
final class FormatLibraryLoadingTests: XCTestCase {
    /// The executable the nodes run needs libavcodec at start, not libavformat.
    func testTheRaftcastExecutableDoesNotNeedLibavformatAtStart() throws {
        let result = try ToolProcess.run("readelf", ["--dynamic", try RaftcastExecutable.path()])
        XCTAssertEqual(result.status, 0, result.stderrText)
        let needed = result.stdoutText.split(separator: "\n").filter { $0.contains("(NEEDED)") }
        XCTAssertTrue(needed.contains { $0.contains("libavcodec.so") }, "\(needed)")
        XCTAssertFalse(needed.contains { $0.contains("libavformat") }, "\(needed)")
    }

    /// Demuxing loads it, and its functions are the library's own (same version as the headers).
    func testDemuxingLoadsLibavformatOnFirstUse() throws {
        let source = try MediaSource(path: MediaFixtures.path("mp3-cbr"))
        XCTAssertEqual(source.header.audio.codecName, "mp3")
        XCTAssertEqual(raftcast_avformat_loaded(), 1)
        // procfs reports a size of 0: read to the end rather than by size.
        let handle = try XCTUnwrap(FileHandle(forReadingAtPath: "/proc/self/maps"))
        defer { try? handle.close() }
        let maps = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        XCTAssertTrue(maps.contains("/libavformat.so.\(LIBAVFORMAT_VERSION_MAJOR)"), "libavformat is mapped")
        XCTAssertEqual(
            FFmpegVersion.libavformat, "\(LIBAVFORMAT_VERSION_MAJOR).\(LIBAVFORMAT_VERSION_MINOR).\(LIBAVFORMAT_VERSION_MICRO)")
    }
}
