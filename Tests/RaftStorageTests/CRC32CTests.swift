import XCTest
@testable import RaftStorage
import Raft

final class CRC32CTests: XCTestCase {
    /// Bit-at-a-time reference, straight from the definition.
    private func bitwise(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    func testKnownVectors() {
        // RFC 3720 (iSCSI) appendix B.4 and the common check value.
        XCTAssertEqual(CRC32C.checksum("123456789"), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }), 0x113F_DB5C)
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
    }

    func testSlicingMatchesBitwiseAndStreaming() {
        var rng = SplitMix64(seed: 7)
        for length in [1, 3, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4099] {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let expected = bitwise(bytes)
            XCTAssertEqual(CRC32C.checksum(bytes), expected, "length \(length)")
            var streaming = CRC32C()
            var i = 0
            while i < length {
                let n = min(length - i, Int(rng.next() % 13) + 1)
                streaming.update(Array(bytes[i..<i + n]))
                i += n
            }
            XCTAssertEqual(streaming.value, expected, "streaming, length \(length)")
        }
    }
}

