import NIOCore
import NIOEmbedded
import XCTest

@testable import Transport
import Raft

final class FrameTests: XCTestCase {
    func testRoundTripEveryKind() throws {
        for kind in Frame.Kind.allCases {
            let body = ByteBuffer(bytes: (0..<37).map { UInt8($0) })
            var wire = Frame(kind: kind, body: body).encoded()
            XCTAssertEqual(wire.readableBytes, Frame.headerSize + 37)
            // Header layout: length (LE) counts version + kind + body.
            XCTAssertEqual(Array(wire.readableBytesView.prefix(6)), [39, 0, 0, 0, 1, kind.rawValue])
            let decoded = try XCTUnwrap(try Frame.decode(from: &wire, maxBodySize: 100))
            XCTAssertEqual(decoded.kind, kind)
            XCTAssertEqual(decoded.body, body)
            XCTAssertEqual(wire.readableBytes, 0)
        }
    }

    func testHeaderFunctionMatchesEncodedFrame() {
        let body = ByteBuffer(bytes: [9, 8, 7])
        var joined = Frame.header(kind: .payload, bodySize: 3)
        joined.writeImmutableBuffer(body)
        XCTAssertEqual(joined, Frame(kind: .payload, body: body).encoded())
    }

    func testIncompleteFrameConsumesNothingAtEveryCut() throws {
        let full = Frame(kind: .payload, body: ByteBuffer(bytes: Array(repeating: 0xAB, count: 20))).encoded()
        for cut in 0..<full.readableBytes {
            var partial = full.getSlice(at: 0, length: cut)!
            XCTAssertNil(try Frame.decode(from: &partial, maxBodySize: 100), "cut at \(cut)")
            XCTAssertEqual(partial.readableBytes, cut, "nothing consumed at cut \(cut)")
        }
    }

    func testOversizedLengthRejectedFromLengthBytesAlone() {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(2 + 101), endianness: .little)
        XCTAssertThrowsError(try Frame.decode(from: &buffer, maxBodySize: 100)) { error in
            XCTAssertEqual(error as? FrameError, .frameTooLarge(bodySize: 101, limit: 100))
        }
        var huge = ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF])
        XCTAssertThrowsError(try Frame.decode(from: &huge, maxBodySize: 1 << 20))
        // Exactly at the limit is fine (waits for the body).
        var atLimit = ByteBuffer()
        atLimit.writeInteger(UInt32(2 + 100), endianness: .little)
        XCTAssertNil(try Frame.decode(from: &atLimit, maxBodySize: 100))
    }

    func testInvalidHeadersRejected() {
        var short = ByteBuffer(bytes: [1, 0, 0, 0, 1])
        XCTAssertThrowsError(try Frame.decode(from: &short, maxBodySize: 100)) {
            XCTAssertEqual($0 as? FrameError, .lengthTooSmall(1))
        }
        var badVersion = ByteBuffer(bytes: [2, 0, 0, 0, 9, 16])
        XCTAssertThrowsError(try Frame.decode(from: &badVersion, maxBodySize: 100)) {
            XCTAssertEqual($0 as? FrameError, .unsupportedVersion(9))
        }
        var badKind = ByteBuffer(bytes: [2, 0, 0, 0, 1, 200])
        XCTAssertThrowsError(try Frame.decode(from: &badKind, maxBodySize: 100)) {
            XCTAssertEqual($0 as? FrameError, .unknownKind(200))
        }
    }

    func testSeveralFramesInOneBuffer() throws {
        var buffer = ByteBuffer()
        for i in 0..<5 { Frame(kind: .payload, body: ByteBuffer(bytes: [UInt8(i)])).write(to: &buffer) }
        var bodies: [[UInt8]] = []
        while let frame = try Frame.decode(from: &buffer, maxBodySize: 10) { bodies.append(Array(frame.body.readableBytesView)) }
        XCTAssertEqual(bodies, [[0], [1], [2], [3], [4]])
    }

    /// The decoder in its handler, as a connection runs it: large frames arrive in uneven reads, each body
    /// is kept (as the lane keeps it until the Raft codec has copied it out) while the next frame arrives
    /// behind it in the same buffer; every body comes out whole and unchanged.
    func testLargeFramesInUnevenReadsThroughTheHandler() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(limit: FrameSizeLimit(maxBodySize: 4 << 20))))
        var rng = SplitMix64(seed: 42)
        var bodies: [[UInt8]] = []
        var wire = ByteBuffer()
        for i in 0..<12 {
            let size = [1, 70_000, 1 << 20, 3 << 20, 5][i % 5] + i
            let body = (0..<size).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            bodies.append(body)
            Frame(kind: .payload, body: ByteBuffer(bytes: body)).write(to: &wire)
        }
        var kept: [Frame] = []
        while wire.readableBytes > 0 {
            let chunk = wire.readSlice(length: min(wire.readableBytes, Int(rng.next() % 200_000) + 1))!
            try channel.writeInbound(chunk)
            while let frame = try channel.readInbound(as: Frame.self) { kept.append(frame) }
        }
        XCTAssertEqual(kept.map { Array($0.body.readableBytesView) }, bodies)
        XCTAssertTrue(try channel.finish().isClean)
    }

    /// One million random and mutated frames against the pure decoder: it
    /// never traps, never hands out a body above the limit, and only ever
    /// waits for more bytes when the announced length is within the limit
    /// (so a stream can never make it buffer more than one maximum frame).
    func testFuzzOneMillionRandomAndMutatedFrames() throws {
        var rng = SplitMix64(seed: 0x5EED_F4A3)
        let maxBody = 64
        var buffer = ByteBufferAllocator().buffer(capacity: 256)
        var scratch = [UInt8](repeating: 0, count: 200)
        var decodedFrames = 0, errors = 0, waits = 0
        for iteration in 0..<1_000_000 {
            buffer.clear()
            let count: Int
            if iteration % 2 == 0 {
                // Purely random bytes.
                count = Int.random(in: 0...40, using: &rng)
                for i in 0..<count { scratch[i] = UInt8.random(in: 0...255, using: &rng) }
            } else {
                // A valid frame (or two), then a few mutations: flipped bits, truncation, extension.
                let bodySize = Int.random(in: 0...maxBody + 4, using: &rng)
                var n = 0
                let length = UInt32(2 + bodySize)
                for k in 0..<4 { scratch[n] = UInt8(truncatingIfNeeded: length >> (8 * UInt32(k))); n += 1 }
                scratch[n] = 1; n += 1
                scratch[n] = Frame.Kind.allCases.randomElement(using: &rng)!.rawValue; n += 1
                for _ in 0..<bodySize { scratch[n] = UInt8.random(in: 0...255, using: &rng); n += 1 }
                for _ in 0..<Int.random(in: 0...3, using: &rng) {
                    let at = Int.random(in: 0..<n, using: &rng)
                    scratch[at] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
                }
                if Bool.random(using: &rng) { n = Int.random(in: 0...n, using: &rng) }
                if Int.random(in: 0..<4, using: &rng) == 0 {
                    let extra = Int.random(in: 1...20, using: &rng)
                    for _ in 0..<extra { scratch[n] = UInt8.random(in: 0...255, using: &rng); n += 1 }
                }
                count = n
            }
            scratch.withUnsafeBytes { _ = buffer.writeBytes(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            // Decode until the decoder waits or refuses; bounded by the byte count.
            for _ in 0...count {
                let before = buffer.readableBytes
                do {
                    guard let frame = try Frame.decode(from: &buffer, maxBodySize: maxBody) else {
                        waits += 1
                        if buffer.readableBytes >= 4 {
                            let length = buffer.getInteger(at: buffer.readerIndex, endianness: .little, as: UInt32.self)!
                            XCTAssertLessThanOrEqual(Int(length) - 2, maxBody, "waiting for an oversized frame")
                        }
                        XCTAssertEqual(buffer.readableBytes, before)
                        break
                    }
                    decodedFrames += 1
                    XCTAssertLessThanOrEqual(frame.body.readableBytes, maxBody)
                    XCTAssertEqual(before - buffer.readableBytes, Frame.headerSize + frame.body.readableBytes)
                } catch {
                    errors += 1
                    break
                }
            }
        }
        // The generator must have exercised every outcome.
        XCTAssertGreaterThan(decodedFrames, 10_000)
        XCTAssertGreaterThan(errors, 10_000)
        XCTAssertGreaterThan(waits, 10_000)
    }
}
