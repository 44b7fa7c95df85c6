import Crypto
import NIOCore

/// The dialing side of ``Handshake`` as a value-type state machine.
struct ClientHandshake {
    /// What the caller must do next.
    enum Action: Equatable {
        /// Write this frame and wait for the next one.
        case send(Frame)
        /// Authenticated: payload frames may be written now.
        case established
        /// Log the reason and close.
        case refuse(HandshakeRefusal)
    }

    private enum State {
        case awaitingChallenge
        case awaitingAccept
        case done
    }

    private var state = State.awaitingChallenge
    let hello: ClientHello
    let helloBody: ByteBuffer
    let secret: SymmetricKey

    init(hello: ClientHello, secret: SymmetricKey) {
        self.hello = hello
        self.helloBody = hello.encodedBody()
        self.secret = secret
    }

    /// The first frame to write once connected.
    var helloFrame: Frame { Frame(kind: .hello, body: helloBody) }

    mutating func receive(_ frame: Frame) -> Action {
        switch state {
        case .awaitingChallenge:
            guard frame.kind == .challenge else { return refuse(.unexpectedFrame(frame.kind)) }
            guard frame.body.readableBytes == Handshake.nonceSize + Handshake.macSize else {
                return refuse(.malformed("challenge"))
            }
            var body = frame.body
            let serverNonce = body.readBytes(length: Handshake.nonceSize)!
            let serverMAC = body.readBytes(length: Handshake.macSize)!
            let transcript = Handshake.transcript(helloBody: helloBody, serverNonce: serverNonce)
            guard Handshake.verify(mac: serverMAC, label: Handshake.serverLabel, transcript: transcript, secret: secret) else {
                return refuse(.badServerProof)
            }
            state = .awaitingAccept
            var proof = ByteBuffer()
            proof.writeBytes(Handshake.mac(label: Handshake.clientLabel, transcript: transcript, secret: secret))
            return .send(Frame(kind: .proof, body: proof))
        case .awaitingAccept:
            if frame.kind == .refusal {
                // Only after the server proved the secret: a stranger cannot make us believe we were removed.
                guard frame.body.readableBytes <= Handshake.maxRefusalBytes else { return refuse(.malformed("refusal")) }
                return refuse(.refusedByPeer(String(decoding: frame.body.readableBytesView, as: UTF8.self)))
            }
            guard frame.kind == .accept, frame.body.readableBytes == 0 else { return refuse(.unexpectedFrame(frame.kind)) }
            state = .done
            return .established
        case .done:
            return refuse(.unexpectedFrame(frame.kind))
        }
    }

    private mutating func refuse(_ reason: HandshakeRefusal) -> Action {
        state = .done
        return .refuse(reason)
    }
}
