import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Transport

/// A peer that accepts TCP on 127.0.0.1 and never answers the hello: what a transport's attempts look
/// like while they are still in the handshake. Keeps every connection it accepted, so a test can see
/// when they are closed.
struct SilentServer {
    let channel: any Channel
    let accepted: NIOLockedValueBox<[any Channel]>

    /// Listens on a free port of `group`.
    static func start(on group: any EventLoopGroup) async throws -> SilentServer {
        let accepted = NIOLockedValueBox<[any Channel]>([])
        let channel = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                accepted.withLockedValue { $0.append(channel) }
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return SilentServer(channel: channel, accepted: accepted)
    }

    /// Where it listens.
    var address: PeerAddress { PeerAddress(host: "127.0.0.1", port: channel.localAddress!.port!) }

    /// Connections accepted so far.
    var acceptedCount: Int { accepted.withLockedValue { $0.count } }

    /// Whether every connection it accepted is closed.
    var allClosed: Bool { accepted.withLockedValue { $0.allSatisfy { !$0.isActive } } }

    func close() async throws { try await channel.close() }
}
