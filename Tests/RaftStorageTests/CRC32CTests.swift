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

    /// The implementations this machine runs (the table everywhere, the instruction where the CPU has it).
    private var implementations: [CRC32C.Implementation] {
        CRC32C.Implementation.allCases.filter(\.isAvailable)
    }

    func testKnownVectors() {
        // RFC 3720 (iSCSI) appendix B.4 and the common check value, on every available implementation.
        let vectors: [([UInt8], UInt32)] = [
            (Array("123456789".utf8), 0xE306_9283),
            ([UInt8](repeating: 0, count: 32), 0x8A91_36AA),
            ([UInt8](repeating: 0xFF, count: 32), 0x62A8_AB43),
            ((0..<32).map { UInt8($0) }, 0x46DD_794E),
            ((0..<32).reversed().map { UInt8($0) }, 0x113F_DB5C),
            ([], 0),
        ]
        for (bytes, expected) in vectors {
            XCTAssertEqual(CRC32C.checksum(bytes), expected, "default (\(CRC32C.implementation)), \(bytes.count) bytes")
            for implementation in implementations {
                let value = bytes.withUnsafeBytes { CRC32C.checksum($0, using: implementation) }
                XCTAssertEqual(value, expected, "\(implementation), \(bytes.count) bytes")
            }
        }
        XCTAssertEqual(CRC32C.checksum("123456789"), 0xE306_9283)
    }

    func testHardwareIsUsedWhereTheCPUHasIt() throws {
        #if arch(x86_64)
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let hasSSE42 = cpuinfo.split(separator: "\n").contains { $0.hasPrefix("flags") && $0.split(separator: " ").contains("sse4_2") }
        XCTAssertEqual(CRC32C.Implementation.hardware.isAvailable, hasSSE42)
        #endif
        XCTAssertEqual(CRC32C.implementation, CRC32C.Implementation.hardware.isAvailable ? .hardware : .table)
    }

    func testImplementationsMatchBitwiseAndStreaming() {
        var rng = SplitMix64(seed: 7)
        // Around the hardware path's 8-byte steps and its 3 × 8 KiB interleaved blocks.
        for length in [1, 3, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4099, 24_575, 24_576, 24_577, 49_152 + 13, 100_003] {
            let bytes = (0..<length + 7).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            for start in [0, 1, 5] {  // unaligned starts too
                let slice = Array(bytes[start..<start + length])
                let expected = bitwise(slice)
                XCTAssertEqual(CRC32C.checksum(slice), expected, "length \(length), start \(start)")
                for implementation in implementations {
                    let value = bytes.withUnsafeBytes {
                        CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start..<start + length]), using: implementation)
                    }
                    XCTAssertEqual(value, expected, "\(implementation), length \(length), start \(start)")
                }
            }
            let expected = bitwise(Array(bytes[0..<length]))
            var streaming = CRC32C()
            var i = 0
            while i < length {
                let n = min(length - i, Int(rng.next() % (length > 20_000 ? 30_000 : 13)) + 1)
                streaming.update(Array(bytes[i..<i + n]))
                i += n
            }
            XCTAssertEqual(streaming.value, expected, "streaming, length \(length)")
        }
    }
}
