import Crypto
import Logging
import NIOCore
import NIOEmbedded
import XCTest

@testable import Transport
import Raft

/// Hostile bytes against the real accepting pipeline (``ConnectionFactory``'s: frame decoder and
/// handshake handler) on an EmbeddedChannel: it never traps, never delivers
/// anything from an unauthenticated peer, and closes the connection on the
/// first invalid frame.
final class ServerPipelineFuzzTests: XCTestCase {
    let secret = SymmetricKey(data: Array("correct horse battery staple".utf8))

    func makeChannel(lanes: [Lane: InboundLane], log: CapturedLog) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        let factory = ConnectionFactory.forTests(localID: "b", peers: ["a": PeerAddress(host: "127.0.0.1", port: 1)],
                                                 lanes: lanes, log: log) { $0.maxFrameSize = 1 << 20 }
        try factory.initialize(channel, as: .accepting(factory))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    func testRandomAndMutatedStreamsNeverDeliverAndAlwaysEndCleanly() throws {
        var rng = SplitMix64(seed: 0xE3BE)
        let lanes: [Lane: InboundLane] = [.control: InboundLane(highWatermark: 8), .bulk: InboundLane(highWatermark: 8)]
        let log = CapturedLog()
        let hello = ClientHello(lane: .control, nonce: Array(repeating: 5, count: 32), clusterName: "test",
                                from: "a", to: "b")
        let validStart = Array(Frame(kind: .hello, body: hello.encodedBody()).encoded().readableBytesView)
        var closedCount = 0
        for iteration in 0..<3000 {
            let channel = try makeChannel(lanes: lanes, log: log)
            var bytes: [UInt8]
            if iteration % 2 == 0 {
                bytes = (0..<Int.random(in: 1...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                // A valid hello, mutated, followed by a forged proof and a payload.
                bytes = validStart
                for _ in 0..<Int.random(in: 0...2, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= 1 << UInt8.random(in: 0...7, using: &rng)
                }
                bytes += Array(Frame(kind: .proof, body: ByteBuffer(repeating: 0, count: 32)).encoded().readableBytesView)
                bytes += Array(Frame(kind: .payload, body: ByteBuffer(bytes: [1, 2, 3])).encoded().readableBytesView)
            }
            // Delivered in random chunks, as TCP may.
            var offset = 0
            while offset < bytes.count, channel.isActive {
                let chunk = min(bytes.count - offset, Int.random(in: 1...16, using: &rng))
                _ = try? channel.writeInbound(ByteBuffer(bytes: bytes[offset..<offset + chunk]))
                offset += chunk
            }
            if !channel.isActive { closedCount += 1 }
            _ = try? channel.finish(acceptAlreadyClosed: true)
        }
        XCTAssertEqual(lanes[.control]!.deliveredCount + lanes[.bulk]!.deliveredCount, 0)
        // Every mutated stream carries a forged proof, so at least those must have been closed.
        XCTAssertGreaterThanOrEqual(closedCount, 1500)
        XCTAssertTrue(log.contains("refused connection"))
    }

    func testAuthenticatedPeerIsDeliveredThroughTheSamePipeline() throws {
        // The positive control for the test above: the same pipeline does deliver after a valid handshake.
        let lanes: [Lane: InboundLane] = [.control: InboundLane(highWatermark: 8), .bulk: InboundLane(highWatermark: 8)]
        let channel = try makeChannel(lanes: lanes, log: CapturedLog())
        var client = ClientHandshake(hello: ClientHello(lane: .bulk, nonce: Array(repeating: 9, count: 32),
                                                        clusterName: "test", from: "a", to: "b"), secret: secret)
        try channel.writeInbound(client.helloFrame.encoded())
        var outbound = try XCTUnwrap(channel.readOutbound(as: ByteBuffer.self))
        let challenge = try XCTUnwrap(try Frame.decode(from: &outbound, maxBodySize: 1024))
        guard case .send(let proof) = client.receive(challenge) else { return XCTFail("client refused the server") }
        try channel.writeInbound(proof.encoded())
        var acceptBytes = try XCTUnwrap(channel.readOutbound(as: ByteBuffer.self))
        XCTAssertEqual(client.receive(try XCTUnwrap(try Frame.decode(from: &acceptBytes, maxBodySize: 1024))), .established)
        // A payload above the handshake limit is now accepted.
        try channel.writeInbound(Frame(kind: .payload, body: ByteBuffer(repeating: 7, count: 4096)).encoded())
        XCTAssertEqual(lanes[.bulk]!.deliveredCount, 1)
        XCTAssertEqual(lanes[.control]!.deliveredCount, 0)
        XCTAssertTrue(channel.isActive)
        _ = try channel.finish()
    }
}
