import Audio
import Broadcast
import Foundation
import TestSupport
import XCTest

/// A full disk under the play log costs records, never the audio, and never leaves a torn line
/// that would make the whole log unreadable (found by the chaos script, issue 13).
final class PlayLogFullDiskTests: XCTestCase {
    private func smallDisk(size: String) throws -> SmallFilesystem {
        let folder = PlaybackMedia.scratch("full-\(UUID().uuidString)")
        var whyNot = ""
        guard let disk = try SmallFilesystem.mount(at: folder, size: size, whyNot: &whyNot) else { throw XCTSkip(whyNot) }
        addTeardownBlock {
            disk.unmount()
            try? FileManager.default.removeItem(atPath: folder)
        }
        return disk
    }

    private func record(_ fragment: Int) -> PlayLogRecord {
        PlayLogRecord(
            node: "n1", stream: 0x51, fragment: fragment, fragmentFirstSample: Int64(fragment) * 88_200,
            fragmentSamples: 88_200, firstPlayedSample: Int64(fragment) * 88_200, sampleRate: 44_100,
            heardAt: ClusterTime(nanoseconds: Int64(fragment) * 2_000_000_000), clockErrorBound: .zero, playoutError: .zero)
    }

    func testAnAppendThatRunsOutOfSpaceLeavesNoPartOfItsLineAndTheLogGoesOnOnceThereIsSpace() throws {
        let disk = try smallDisk(size: "64k")
        let filler = try disk.fill(leaving: 0)
        let log = try PlayLog(dataDirectory: disk.path)
        // Free less than a page's worth at a time would not help on tmpfs: free the filler's last
        // page so a few records fit and the next one is cut mid-line.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
        try handle.truncate(atOffset: try handle.seekToEnd() - 4_096)
        try handle.close()
        var written: [Int] = []
        var failure: PlayLogError?
        for fragment in 0..<200 {
            do {
                try log.append(record(fragment))
                written.append(fragment)
            } catch let error as PlayLogError {
                failure = error
                break
            }
        }
        let error = try XCTUnwrap(failure, "a page holds fewer than 200 records")
        XCTAssertTrue("\(error)".contains("No space left on device"), "\(error)")
        XCTAssertGreaterThan(written.count, 0, "records fit in the freed page first")
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: log.path)[.size] as? NSNumber).intValue
        XCTAssertEqual(size % 4_096 == 0, false, "the partial record was cut, not left filling the page")
        XCTAssertEqual(try PlayLog.read(path: log.path).map(\.fragment), written)
        XCTAssertThrowsError(try log.append(record(1_000)), "still full")

        try FileManager.default.removeItem(atPath: filler)
        try log.append(record(1_001))
        XCTAssertEqual(try PlayLog.read(path: log.path).map(\.fragment), written + [1_001], "every line parses")
    }

    func testTheEnginePlaysOnWhenThePlayLogCannotBeWritten() throws {
        let disk = try smallDisk(size: "64k")
        let media = try PlaybackMedia.stream("mp3-cbr")
        let sink = MemorySink()
        let harness = try PlaybackHarness(media: media, sink: sink, startIn: .seconds(2), playLogDirectory: disk.path)
        let filler = try disk.fill(leaving: 0)
        var reported: [String?] = []
        harness.engine.playLogObserver = { reported.append($0) }
        harness.deliver(media.fragments.indices)
        try harness.engine.run(until: harness.localTime(ofStreamSecond: 5.0))
        XCTAssertEqual(harness.engine.status.state, .playing)
        XCTAssertGreaterThan(harness.engine.counters.playLogRecordsLost, 0)
        XCTAssertEqual(harness.engine.counters.playLogRecords, 0)
        XCTAssertEqual(reported.count, 1, "reported once, not per record")
        XCTAssertTrue(reported.first??.contains("No space left on device") == true, "\(reported)")
        XCTAssertNotNil(harness.engine.playLogFailure)

        try FileManager.default.removeItem(atPath: filler)
        try harness.engine.run(until: harness.afterTheEnd)
        XCTAssertEqual(reported.count, 2)
        XCTAssertEqual(reported.last, .some(nil), "and once when it works again")
        XCTAssertNil(harness.engine.playLogFailure)
        let records = try PlayLog.read(path: disk.path + "/" + PlayLog.fileName)
        XCTAssertEqual(records.count, harness.engine.counters.playLogRecords)
        XCTAssertEqual(records.count + harness.engine.counters.playLogRecordsLost, media.fragments.count)
        // Every sample of the stream reached the device, the logged and the unlogged fragments alike.
        XCTAssertEqual(harness.engine.status.underruns, 0)
        XCTAssertEqual(harness.engine.counters.fragmentsDecoded, media.fragments.count)
    }
}
