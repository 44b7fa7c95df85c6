import Crypto
import NIOConcurrencyHelpers
import NIOCore
import XCTest

@testable import Transport

final class HandshakeTests: XCTestCase {
    let secret = SymmetricKey(data: Array("s3cret".utf8))

    func makeServer(secret: SymmetricKey? = nil, peers: Set<String> = ["a"]) -> ServerHandshake {
        ServerHandshake(clusterName: "c", localID: "b", knownPeers: peers, secret: secret ?? self.secret,
                        serverNonce: Array(repeating: 7, count: 32))
    }

    func makeClient(secret: SymmetricKey? = nil, cluster: String = "c", from: String = "a", to: String = "b",
                    lane: Lane = .bulk) -> ClientHandshake {
        ClientHandshake(hello: ClientHello(lane: lane, nonce: Array(repeating: 3, count: 32), clusterName: cluster,
                                           from: from, to: to), secret: secret ?? self.secret)
    }

    /// Runs the exchange of `client` with `server` up to the server's answer to the proof.
    func answerToProof(_ server: inout ServerHandshake, _ client: inout ClientHandshake) -> ServerHandshake.Action? {
        guard case .send(let challenge) = server.receive(client.helloFrame), case .send(let proof) = client.receive(challenge) else {
            return nil
        }
        return server.receive(proof)
    }

    func testSuccessfulExchange() throws {
        var server = makeServer()
        var client = makeClient()
        guard case .send(let challenge) = server.receive(client.helloFrame) else { return XCTFail("no challenge") }
        XCTAssertEqual(challenge.kind, .challenge)
        guard case .send(let proof) = client.receive(challenge) else { return XCTFail("client refused") }
        guard case .established(let accept, let peer, let lane) = server.receive(proof) else { return XCTFail("server refused") }
        XCTAssertEqual(peer, "a")
        XCTAssertEqual(lane, .bulk)
        XCTAssertEqual(client.receive(accept), .established)
    }

    func testClientDetectsServerWithWrongSecret() {
        var server = makeServer(secret: SymmetricKey(data: Array("other".utf8)))
        var client = makeClient()
        guard case .send(let challenge) = server.receive(client.helloFrame) else { return XCTFail() }
        XCTAssertEqual(client.receive(challenge), .refuse(.badServerProof))
    }

    func testServerDetectsClientWithWrongSecret() {
        var server = makeServer()
        let client = makeClient()
        guard case .send(let challenge) = server.receive(client.helloFrame) else { return XCTFail() }
        // An impostor that cannot compute the MAC sends the server's own MAC back, or zeros.
        var body = challenge.body
        _ = body.readBytes(length: 32)
        let serverMAC = body.readBytes(length: 32)!
        var replayServer = makeServer()
        _ = replayServer.receive(client.helloFrame)
        XCTAssertEqual(replayServer.receive(Frame(kind: .proof, body: ByteBuffer(bytes: serverMAC))), .refuse(.badClientProof))
        XCTAssertEqual(server.receive(Frame(kind: .proof, body: ByteBuffer(bytes: [UInt8](repeating: 0, count: 32)))),
                       .refuse(.badClientProof))
    }

    func testProofFromAnotherSessionIsRejected() {
        // A proof recorded for one server nonce does not open a session with another nonce.
        var server1 = makeServer()
        var client = makeClient()
        guard case .send(let challenge1) = server1.receive(client.helloFrame),
              case .send(let proof1) = client.receive(challenge1) else { return XCTFail() }
        var server2 = ServerHandshake(clusterName: "c", localID: "b", knownPeers: ["a"], secret: secret,
                                      serverNonce: Array(repeating: 8, count: 32))
        _ = server2.receive(makeClient().helloFrame)
        XCTAssertEqual(server2.receive(proof1), .refuse(.badClientProof))
    }

    func testHelloChecks() {
        var s1 = makeServer()
        XCTAssertEqual(s1.receive(makeClient(cluster: "other").helloFrame), .refuse(.wrongCluster("other")))
        var s2 = makeServer()
        var stranger = makeClient(from: "zz")
        XCTAssertEqual(answerToProof(&s2, &stranger), .refuseNotifying(ServerHandshake.refusalFrame("not a member"), .unknownNode("zz")))
        var s3 = makeServer(peers: ["a", "b"])
        XCTAssertEqual(s3.receive(makeClient(from: "b").helloFrame), .refuse(.unknownNode("b")), "own id is not a peer")
        var s4 = makeServer()
        XCTAssertEqual(s4.receive(makeClient(to: "q").helloFrame), .refuse(.wrongTarget("q")))
        var s5 = makeServer()
        XCTAssertEqual(s5.receive(Frame(kind: .payload, body: ByteBuffer())), .refuse(.unexpectedFrame(.payload)))
        var s6 = makeServer()
        XCTAssertEqual(s6.receive(Frame(kind: .hello, body: ByteBuffer(bytes: [0, 1, 2]))), .refuse(.malformed("hello")))
    }

    /// The hello is checked against the peer table as it is when the hello arrives, not when the
    /// connection was accepted: a peer removed since is refused as removed, one added since is let in.
    func testHelloIsCheckedAgainstTheCurrentPeerTable() throws {
        let table = NIOLockedValueBox(PeerTable(localID: "b", peers: ["a": PeerAddress(host: "127.0.0.1", port: 1)]))
        func makeServer() -> ServerHandshake {
            ServerHandshake(clusterName: "c", localID: "b", secret: secret, serverNonce: Array(repeating: 7, count: 32),
                            standing: { id in table.withLockedValue { $0.standing(of: id) } })
        }
        var removedBeforeHello = makeServer()
        XCTAssertEqual(table.withLockedValue { $0.remove("a") }, .removed(PeerAddress(host: "127.0.0.1", port: 1)))
        var removed = makeClient()
        guard case .refuseNotifying(let refusal, let reason) = answerToProof(&removedBeforeHello, &removed) else {
            return XCTFail("a removed node that proves the secret is told why")
        }
        XCTAssertEqual(reason, .removedNode("a"))
        XCTAssertEqual(refusal.kind, .refusal)
        XCTAssertEqual(removed.receive(refusal), .refuse(.refusedByPeer("not a member")))
        XCTAssertEqual(HandshakeRefusal.refusedByPeer("not a member").description, "refused by the peer: not a member")
        XCTAssertTrue(HandshakeRefusal.removedNode("a").description.contains("removed"))
        var neverKnown = makeServer()
        var unknown = makeClient(from: "d")
        XCTAssertEqual(answerToProof(&neverKnown, &unknown), .refuseNotifying(ServerHandshake.refusalFrame("not a member"), .unknownNode("d")))

        var addedBeforeHello = makeServer()
        XCTAssertEqual(try table.withLockedValue { try $0.add("d", at: PeerAddress(host: "127.0.0.1", port: 2)) }, .added)
        var client = makeClient(from: "d")
        guard case .send(let challenge) = addedBeforeHello.receive(client.helloFrame),
              case .send(let proof) = client.receive(challenge),
              case .established(_, let peer, _) = addedBeforeHello.receive(proof) else { return XCTFail("d refused") }
        XCTAssertEqual(peer, "d")
    }

    func testHelloBodyRoundTripAndMalformedVariants() {
        let hello = ClientHello(lane: .control, nonce: Array(0..<32), clusterName: "living-room", from: "n1", to: "n2")
        let body = hello.encodedBody()
        XCTAssertEqual(ClientHello(body: body), hello)
        // Every truncation, and any trailing byte, is malformed.
        for cut in 0..<body.readableBytes {
            XCTAssertNil(ClientHello(body: body.getSlice(at: 0, length: cut)!), "cut \(cut)")
        }
        var extended = body
        extended.writeInteger(UInt8(0))
        XCTAssertNil(ClientHello(body: extended))
        var badLane = body
        badLane.setInteger(UInt8(9), at: 0)
        XCTAssertNil(ClientHello(body: badLane))
    }

    /// A refusal frame is believed only after the server proved the secret, and only when it is short.
    func testRefusalFramesAreReadOnlyFromAnAuthenticatedServer() {
        var early = makeClient()
        XCTAssertEqual(early.receive(ServerHandshake.refusalFrame("not a member")), .refuse(.unexpectedFrame(.refusal)))
        var server = makeServer(peers: [])
        var client = makeClient()
        guard case .send(let challenge) = server.receive(client.helloFrame), case .send = client.receive(challenge) else {
            return XCTFail("no challenge")
        }
        XCTAssertEqual(
            client.receive(Frame(kind: .refusal, body: ByteBuffer(bytes: [UInt8](repeating: 65, count: Handshake.maxRefusalBytes + 1)))),
            .refuse(.malformed("refusal")))
        // A stranger with the wrong secret gets no refusal reason, only the closed connection.
        var wrongSecret = makeClient(secret: SymmetricKey(data: Array("other".utf8)))
        var server2 = makeServer(peers: [])
        guard case .send(let challenge2) = server2.receive(wrongSecret.helloFrame) else { return XCTFail("no challenge") }
        XCTAssertEqual(wrongSecret.receive(challenge2), .refuse(.badServerProof))
    }

    func testAfterRefusalNothingIsAccepted() {
        var server = makeServer()
        _ = server.receive(makeClient(cluster: "x").helloFrame)
        XCTAssertEqual(server.receive(makeClient().helloFrame), .refuse(.unexpectedFrame(.hello)))
    }
}
