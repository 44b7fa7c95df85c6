import Raft
import RaftcastClient
import Transport
import XCTest

/// The member record carried in membership changes: round trips, the exact layout, and hostile bytes.
final class MemberRecordTests: XCTestCase {
    private let kitchen = MemberRecord(
        id: "kitchen", raft: PeerAddress(host: "10.0.0.7", port: 7001), http: PeerAddress(host: "kitchen.local", port: 8080),
        role: .listener)

    func testRoundTripsEveryRoleAndAddressForm() throws {
        let records = [
            kitchen,
            MemberRecord(id: "a", raft: PeerAddress(host: "::1", port: 1), http: PeerAddress(host: "fe80::2", port: 65535), role: .voter),
            MemberRecord(id: String(repeating: "n", count: 64), raft: PeerAddress(host: String(repeating: "h", count: 253), port: 65535),
                         http: PeerAddress(host: "x", port: 80), role: .voter),
        ]
        for record in records {
            XCTAssertNil(record.validationProblem)
            XCTAssertEqual(try MemberRecord(encoded: record.encoded), record)
        }
    }

    func testLayoutIsTheDocumentedOne() {
        let bytes = MemberRecord(id: "ab", raft: PeerAddress(host: "h", port: 1), http: PeerAddress(host: "i", port: 22), role: .listener).encoded
        XCTAssertEqual(
            bytes,
            Array("RCMR".utf8) + [1, 1, 2] + Array("ab".utf8) + [3, 0] + Array("h:1".utf8) + [4, 0] + Array("i:22".utf8))
    }

    func testValidationNamesTheBadField() {
        var record = kitchen
        record.id = "bad id"
        XCTAssertEqual(record.validationProblem, "id \"bad id\" may contain only letters, digits, '.', '_' and '-' (1-64 characters)")
        record = kitchen
        record.http = PeerAddress(host: "bad host", port: 80)
        XCTAssertEqual(record.validationProblem, "http address \"bad host:80\" is not host:port")
        record = kitchen
        record.raft = PeerAddress(host: "h", port: 0)
        XCTAssertEqual(record.validationProblem, "raft address \"h:0\" is not host:port")
    }

    func testHostileRecordsAreRefusedWithAReason() {
        let good = kitchen.encoded
        func refusal(_ bytes: [UInt8]) -> String? {
            do {
                _ = try MemberRecord(encoded: bytes)
                return nil
            } catch {
                return error.reason
            }
        }
        XCTAssertEqual(refusal([]), "truncated in magic (0 bytes)")
        XCTAssertEqual(refusal(Array("RCMX".utf8) + good.dropFirst(4)), "not a member record (no \"RCMR\" magic)")
        var bytes = good
        bytes[4] = 2
        XCTAssertEqual(refusal(bytes), "unsupported version 2")
        bytes = good
        bytes[5] = 2
        XCTAssertEqual(refusal(bytes), "unknown role 2")
        bytes = good
        bytes[7] = UInt8(ascii: " ")
        XCTAssertEqual(refusal(bytes), "id is not 1-64 letters, digits, '.', '_' or '-'")
        bytes = good
        bytes[6] = 0
        XCTAssertNotNil(refusal(bytes), "empty id")
        XCTAssertEqual(refusal(good + [0]), "1 trailing bytes")
        for count in 0..<good.count {
            XCTAssertNotNil(refusal(Array(good.prefix(count))), "truncated to \(count) bytes")
        }
        let oversize = Array("RCMR".utf8) + [1, 0, 1, UInt8(ascii: "a"), 0xFF, 0xFF]
        XCTAssertEqual(refusal(oversize), "raft address is 65535 bytes, over 259")
        let notAddress = Array("RCMR".utf8) + [1, 0, 1, UInt8(ascii: "a"), 2, 0, 0xC3, 0x28]
        XCTAssertEqual(refusal(notAddress), "raft address is not host:port")
    }

    func testRandomBytesAndMutationsNeverTrap() {
        var rng = SplitMix64(seed: 0x17)
        let good = kitchen.encoded
        var decoded = 0
        for round in 0..<30_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int(rng.next() % 48)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                if rng.next() % 2 == 0 { bytes = Array("RCMR".utf8) + [1] + bytes }
            } else {
                bytes = good
                for _ in 0...(rng.next() % 3) {
                    let at = Int(rng.next() % UInt64(bytes.count))
                    switch rng.next() % 3 {
                    case 0: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
                    case 1: bytes.remove(at: at)
                    default: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
                    }
                    if bytes.isEmpty { break }
                }
            }
            guard let record = try? MemberRecord(encoded: bytes) else { continue }
            decoded += 1
            XCTAssertNil(record.validationProblem, "a decoded record is valid")
            XCTAssertEqual(try MemberRecord(encoded: record.encoded), record)
        }
        XCTAssertGreaterThan(decoded, 0, "some mutations (e.g. of an address digit) still decode")
    }
}
