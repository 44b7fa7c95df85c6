@testable import Media
import XCTest

/// ``HLSLivePlaylist``'s text: the header with both sequence numbers, a discontinuity before every item
/// after the first, the item and segment tags of raftcast, the map only for fMP4, the program date-time
/// from cluster nanoseconds, and a target duration that covers the longest segment and never goes below
/// the minimum.
final class HLSLivePlaylistTests: XCTestCase {
    func testTheTextOfTwoItems() {
        let playlist = HLSLivePlaylist(
            mediaSequence: 41, discontinuitySequence: 2,
            items: [
                .init(
                    stream: "00000000000000a1", format: .fmp4, codecs: "avc1.64000d,mp4a.40.2",
                    mapURI: "/v1/streams/00000000000000a1/hls/init.mp4",
                    segments: [
                        .init(uri: "/v1/streams/00000000000000a1/hls/4.m4s", durationSeconds: 2.5, atNanoseconds: 123_450_999_999, mediaStartSeconds: 18)
                    ]),
                .init(
                    stream: "00000000000000b2", format: .packedMP3, codecs: "mp3", mapURI: nil,
                    segments: [
                        .init(uri: "/v1/streams/00000000000000b2/hls/0.mp3", durationSeconds: 1.992, atNanoseconds: 125_950_000_000, mediaStartSeconds: 10),
                        .init(uri: "/v1/streams/00000000000000b2/hls/1.mp3", durationSeconds: 1.992, atNanoseconds: 127_942_000_000, mediaStartSeconds: 11.992),
                    ], lastFragment: 7),
            ], minimumTargetDuration: 2)
        XCTAssertEqual(
            playlist.text,
            """
            #EXTM3U
            #EXT-X-VERSION:7
            #EXT-X-TARGETDURATION:3
            #EXT-X-MEDIA-SEQUENCE:41
            #EXT-X-DISCONTINUITY-SEQUENCE:2
            #EXT-X-INDEPENDENT-SEGMENTS
            #EXT-X-RAFTCAST-ITEM:STREAM="00000000000000a1",FORMAT=fmp4,CODECS="avc1.64000d,mp4a.40.2"
            #EXT-X-MAP:URI="/v1/streams/00000000000000a1/hls/init.mp4"
            #EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:02:03.450Z
            #EXT-X-RAFTCAST-SEGMENT:AT-NS=123450999999,MEDIA-START=18.000000
            #EXTINF:2.500000,
            /v1/streams/00000000000000a1/hls/4.m4s
            #EXT-X-DISCONTINUITY
            #EXT-X-RAFTCAST-ITEM:STREAM="00000000000000b2",FORMAT=mp3,CODECS="mp3",LAST-FRAGMENT=7
            #EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:02:05.950Z
            #EXT-X-RAFTCAST-SEGMENT:AT-NS=125950000000,MEDIA-START=10.000000
            #EXTINF:1.992000,
            /v1/streams/00000000000000b2/hls/0.mp3
            #EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:02:07.942Z
            #EXT-X-RAFTCAST-SEGMENT:AT-NS=127942000000,MEDIA-START=11.992000
            #EXTINF:1.992000,
            /v1/streams/00000000000000b2/hls/1.mp3

            """)
        XCTAssertEqual(HLSLivePlaylist(mediaSequence: 0, discontinuitySequence: 0, items: [], minimumTargetDuration: 4).targetDuration, 4)
    }

    func testProgramDateTimeCountsCalendarDaysFromTheEpoch() {
        XCTAssertEqual(HLSLivePlaylist.programDateTime(0), "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(HLSLivePlaylist.programDateTime(-5), "1970-01-01T00:00:00.000Z", "before cluster time 0: the epoch")
        // 2000-02-29T12:34:56.789Z is 951,827,696.789 s after the epoch (a leap day of a century leap year).
        XCTAssertEqual(HLSLivePlaylist.programDateTime(951_827_696_789_000_123), "2000-02-29T12:34:56.789Z")
        XCTAssertEqual(HLSLivePlaylist.programDateTime(86_400 * 365 * 1_000_000_000), "1971-01-01T00:00:00.000Z")
        XCTAssertEqual(HLSLivePlaylist.programDateTime(Int64.max), "2262-04-11T23:47:16.854Z")
    }
}
