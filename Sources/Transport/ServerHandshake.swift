import Crypto
import NIOCore

/// The accepting side of ``Handshake`` as a value-type state machine: feed it
/// frames, perform the action it returns. Whether the hello's sender is a peer is asked of `standing` when
/// the hello arrives, so a transport whose peers change while running answers from its current
/// ``PeerTable``.
struct ServerHandshake {
    /// What the caller must do next.
    enum Action: Equatable {
        /// Write this frame and wait for the next one.
        case send(Frame)
        /// Write this frame (accept): the peer is authenticated for `lane`.
        case established(Frame, peer: String, lane: Lane)
        /// Write this frame (a ``Frame/Kind/refusal`` telling the authenticated client why), log the reason
        /// and close; deliver nothing.
        case refuseNotifying(Frame, HandshakeRefusal)
        /// Log the reason and close; deliver nothing.
        case refuse(HandshakeRefusal)
    }

    private enum State {
        case awaitingHello
        /// `notPeer`: the refusal to give once the client has proven the secret (it is not a peer).
        case awaitingProof(peer: String, lane: Lane, transcript: [UInt8], notPeer: HandshakeRefusal?)
        case done
    }

    private var state = State.awaitingHello
    let clusterName: String
    let localID: String
    /// What the peer table says of a node id now.
    let standing: @Sendable (String) -> PeerTable.Standing
    let secret: SymmetricKey
    let serverNonce: [UInt8]

    init(clusterName: String, localID: String, secret: SymmetricKey, serverNonce: [UInt8] = Handshake.makeNonce(),
         standing: @escaping @Sendable (String) -> PeerTable.Standing) {
        self.clusterName = clusterName
        self.localID = localID
        self.standing = standing
        self.secret = secret
        self.serverNonce = serverNonce
    }

    mutating func receive(_ frame: Frame) -> Action {
        switch state {
        case .awaitingHello:
            guard frame.kind == .hello else { return refuse(.unexpectedFrame(frame.kind)) }
            guard let hello = ClientHello(body: frame.body) else { return refuse(.malformed("hello")) }
            guard hello.clusterName == clusterName else { return refuse(.wrongCluster(hello.clusterName)) }
            guard hello.from != localID else { return refuse(.unknownNode(hello.from)) }
            guard hello.to == localID else { return refuse(.wrongTarget(hello.to)) }
            let notPeer: HandshakeRefusal?
            switch standing(hello.from) {
            case .peer: notPeer = nil
            case .removed: notPeer = .removedNode(hello.from)
            case .unknown: notPeer = .unknownNode(hello.from)
            }
            let transcript = Handshake.transcript(helloBody: frame.body, serverNonce: serverNonce)
            let mac = Handshake.mac(label: Handshake.serverLabel, transcript: transcript, secret: secret)
            state = .awaitingProof(peer: hello.from, lane: hello.lane, transcript: transcript, notPeer: notPeer)
            var body = ByteBuffer()
            body.writeBytes(serverNonce)
            body.writeBytes(mac)
            return .send(Frame(kind: .challenge, body: body))
        case .awaitingProof(let peer, let lane, let transcript, let notPeer):
            guard frame.kind == .proof else { return refuse(.unexpectedFrame(frame.kind)) }
            guard frame.body.readableBytes == Handshake.macSize else { return refuse(.malformed("proof")) }
            let mac = Array(frame.body.readableBytesView)
            guard Handshake.verify(mac: mac, label: Handshake.clientLabel, transcript: transcript, secret: secret) else {
                return refuse(.badClientProof)
            }
            state = .done
            if let notPeer { return .refuseNotifying(Self.refusalFrame(Handshake.notAMember), notPeer) }
            return .established(Frame(kind: .accept, body: ByteBuffer()), peer: peer, lane: lane)
        case .done:
            return refuse(.unexpectedFrame(frame.kind))
        }
    }

    /// A refusal frame carrying `reason` (cut to ``Handshake/maxRefusalBytes``).
    static func refusalFrame(_ reason: String) -> Frame {
        var body = ByteBuffer()
        body.writeBytes(Array(reason.utf8.prefix(Handshake.maxRefusalBytes)))
        return Frame(kind: .refusal, body: body)
    }

    private mutating func refuse(_ reason: HandshakeRefusal) -> Action {
        state = .done
        return .refuse(reason)
    }
}
