import Broadcast
import Foundation
import XCTest

/// The one stream id type and its one text form: 16 lowercase hex digits out, 1–16 hex digits in, the
/// same in the play log and the HTTP API as before the type existed (a `UInt64` printed by hand).
final class StreamIDTests: XCTestCase {
    func testTheTextFormIsSixteenLowercaseHexDigits() {
        XCTAssertEqual(StreamID(0xa1).description, "00000000000000a1")
        XCTAssertEqual("\(StreamID(0x9f3c_2a1b_44d0_e7c5))", "9f3c2a1b44d0e7c5")
        XCTAssertEqual(StreamID(UInt64.max).description, "ffffffffffffffff")
        XCTAssertEqual(StreamID(0).description, "0000000000000000")
        for value: UInt64 in [1, 0xabc, 1 << 40, UInt64.max - 1] {
            XCTAssertEqual(StreamID(value).description, String(format: "%016llx", value))
            XCTAssertEqual(StreamID(StreamID(value).description), StreamID(value))
        }
    }

    func testReadingTakesOneToSixteenHexDigitsAndNothingElse() {
        XCTAssertEqual(StreamID("a1"), 0xa1)
        XCTAssertEqual(StreamID("00000000000000A1"), 0xa1)
        XCTAssertEqual(StreamID("FFFFFFFFFFFFFFFF"), StreamID(UInt64.max))
        for bad in ["", "10000000000000000", "+1", "-1", " 1", "1 ", "0x1", "g", "１", "a1\n"] {
            XCTAssertNil(StreamID(bad), bad)
        }
    }

    func testOrderIsTheValueOrderAndTheTextOrder() {
        let ids: [StreamID] = [0xff, 0x1_0000, 2, 0xfff0_0000_0000_0000]
        XCTAssertEqual(ids.sorted(), [2, 0xff, 0x1_0000, 0xfff0_0000_0000_0000])
        XCTAssertEqual(ids.sorted().map(\.description), ids.map(\.description).sorted())
    }

    /// A play-log line as earlier builds wrote it (the id as a string) still reads, and writes back the same
    /// bytes; an id that is not hex is refused with the field named.
    func testAPlayLogLineOfAnEarlierBuildReadsAndWritesBackTheSameBytes() throws {
        let line =
            #"{"clock_error_bound_ns":180000,"first_played_sample":96000,"fragment":1,"fragment_first_sample":96000,"#
            + #""fragment_samples":96000,"heard_at_ns":11999790000,"node":"n1","playout_error_ns":-210000,"#
            + #""sample_rate":48000,"stream":"9f3c2a1b44d0e7c5"}"#
        let records = try PlayLog.parse(Data((line + "\n").utf8), path: "play-log.jsonl")
        XCTAssertEqual(records.map(\.stream), [0x9f3c_2a1b_44d0_e7c5])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        XCTAssertEqual(String(decoding: try encoder.encode(records[0]), as: UTF8.self), line)
        let foreign = line.replacingOccurrences(of: "9f3c2a1b44d0e7c5", with: "s1")
        XCTAssertThrowsError(try PlayLog.parse(Data((foreign + "\n").utf8), path: "play-log.jsonl")) { error in
            XCTAssertEqual(error as? PlayLogError, .badLine(path: "play-log.jsonl", line: 1, reason: #"bad "stream""#))
        }
    }

    /// In JSON (`GET /v1/playback`'s `stream`) an id is its text form.
    func testJSONCarriesTheTextForm() throws {
        struct Box: Codable, Equatable { var stream: StreamID? }
        let data = try JSONEncoder().encode(Box(stream: 0xab))
        XCTAssertEqual(String(decoding: data, as: UTF8.self), #"{"stream":"00000000000000ab"}"#)
        XCTAssertEqual(try JSONDecoder().decode(Box.self, from: data), Box(stream: 0xab))
        XCTAssertThrowsError(try JSONDecoder().decode(Box.self, from: Data(#"{"stream":171}"#.utf8)))
    }
}
