import Crypto
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import XCTest

@testable import Transport

/// Collects log records of one logger, for assertions on what was logged.
final class CapturedLog: @unchecked Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    private let records = NIOLockedValueBox<[Record]>([])

    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label) { _ in Handler(log: self) }
        logger.logLevel = .debug
        return logger
    }

    var all: [Record] { records.withLockedValue { $0 } }

    /// True when a record at `level` or above contains `text` (in message or metadata).
    func contains(_ text: String, atLeast level: Logger.Level = .warning) -> Bool {
        all.contains { $0.level >= level && ($0.message.contains(text) || "\($0.metadata)".contains(text)) }
    }

    fileprivate func append(_ record: Record) { records.withLockedValue { $0.append(record) } }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            log.append(Record(level: event.level, message: "\(event.message)",
                              metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
        }
    }
}

/// Collects what arrives on one lane, in a background task.
final class Collector: @unchecked Sendable {
    private let box = NIOLockedValueBox<[InboundMessage]>([])
    private var task: Task<Void, Never>?

    init(_ messages: InboundMessages) {
        task = Task { [box] in
            for await message in messages { box.withLockedValue { $0.append(message) } }
        }
    }

    var received: [InboundMessage] { box.withLockedValue { $0 } }

    func payloads(from peer: String) -> [[UInt8]] {
        received.filter { $0.from == peer }.map { Array($0.payload.readableBytesView) }
    }

    deinit { task?.cancel() }
}

/// A set of transports on 127.0.0.1 with ephemeral ports that know each other.
struct TestCluster {
    var transports: [String: Transport]
    var logs: [String: CapturedLog]
    var collectors: [String: [Lane: Collector]]

    /// Builds transports for `ids`; `adjust` may change each config (secret, cluster name, …).
    static func start(
        _ ids: [String], collect: Bool = true,
        adjust: (inout TransportConfig) -> Void = { _ in }
    ) async throws -> TestCluster {
        var transports: [String: Transport] = [:]
        var logs: [String: CapturedLog] = [:]
        for id in ids {
            let log = CapturedLog()
            var peers: [String: PeerAddress] = [:]
            for other in ids where other != id { peers[other] = PeerAddress(host: "127.0.0.1", port: 1) }
            var config = TransportConfig(
                clusterName: "test", secret: Array("correct horse battery staple".utf8), localID: id,
                listenAddress: PeerAddress(host: "127.0.0.1", port: 0), peers: peers,
                backoff: BackoffPolicy(initial: .milliseconds(20), maximum: .milliseconds(200)),
                random: { 0.5 }, logger: log.logger("transport.\(id)"))
            adjust(&config)
            let transport = Transport(config: config)
            try await transport.listen()
            transports[id] = transport
            logs[id] = log
        }
        for (id, transport) in transports {
            for (other, peerTransport) in transports where other != id {
                transport.setPeerAddress(peerTransport.listeningAddress!, for: other)
            }
        }
        var collectors: [String: [Lane: Collector]] = [:]
        if collect {
            for (id, transport) in transports {
                for lane in Lane.allCases { collectors[id, default: [:]][lane] = Collector(transport.messages(on: lane)!) }
            }
        }
        for transport in transports.values { try await transport.start() }
        return TestCluster(transports: transports, logs: logs, collectors: collectors)
    }

    subscript(_ id: String) -> Transport { transports[id]! }

    func shutdown() async {
        for transport in transports.values { await transport.shutdown() }
    }

    /// True once every link of every transport is connected.
    func allConnected() -> Bool {
        transports.values.allSatisfy { $0.linkStatuses.allSatisfy { $0.state == .connected } }
    }
}

/// A plain TCP client that records what it receives and whether the server closed it.
final class RawClient: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private let received = NIOLockedValueBox(ByteBuffer())
    let channel: any Channel

    private init(channel: any Channel) { self.channel = channel }

    /// Connects to `address`, from `source` (a local address such as 127.0.0.2) when given.
    static func connect(to address: PeerAddress, group: any EventLoopGroup, source: String? = nil) async throws -> RawClient {
        let box = NIOLockedValueBox<RawClient?>(nil)
        var bootstrap = ClientBootstrap(group: group)
        if let source { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: source, port: 0)) }
        let channel = try await bootstrap
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let client = RawClient(channel: channel)
                    box.withLockedValue { $0 = client }
                    try channel.pipeline.syncOperations.addHandler(client)
                }
            }
            .connect(host: address.host, port: address.port).get()
        _ = channel
        return box.withLockedValue { $0! }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        received.withLockedValue { _ = $0.writeBuffer(&bytes) }
    }

    func write(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    func write(_ frame: Frame) async throws {
        try await channel.writeAndFlush(frame.encoded())
    }

    /// Takes the next complete frame received, if any.
    func nextFrame() -> Frame? {
        received.withLockedValue { buffer in
            (try? Frame.decode(from: &buffer, maxBodySize: 1 << 20)) ?? nil
        }
    }

    var isClosed: Bool { !channel.isActive }
}

extension ServerHandshake {
    /// A handshake that accepts the peers `knownPeers` and no others.
    init(clusterName: String, localID: String, knownPeers: Set<String>, secret: SymmetricKey,
         serverNonce: [UInt8] = Handshake.makeNonce()) {
        let table = PeerTable(localID: localID,
                              peers: Dictionary(uniqueKeysWithValues: knownPeers.map { ($0, PeerAddress(host: "127.0.0.1", port: 1)) }))
        self.init(clusterName: clusterName, localID: localID, secret: secret, serverNonce: serverNonce,
                  standing: { table.standing(of: $0) })
    }
}

extension ConnectionFactory {
    /// A factory for node `localID` knowing `peers`, delivering to `lanes`.
    static func forTests(localID: String, peers: [String: PeerAddress], lanes: [Lane: InboundLane] = [:],
                         log: CapturedLog = CapturedLog(), adjust: (inout TransportConfig) -> Void = { _ in }) -> ConnectionFactory {
        var config = TransportConfig(clusterName: "test", secret: Array("correct horse battery staple".utf8), localID: localID,
                                     listenAddress: PeerAddress(host: "127.0.0.1", port: 0), peers: peers,
                                     logger: log.logger("factory.\(localID)"))
        adjust(&config)
        return ConnectionFactory(config: config, lanes: lanes, gate: ConnectionGate(maxTotal: 8, maxPerSource: 4),
                                 acceptThrottle: LogThrottle(), handshakeThrottle: LogThrottle())
    }
}

extension ConnectionFactory.Role {
    /// Accepting the peers of a fixed table of `factory`'s node.
    static func accepting(_ factory: ConnectionFactory) -> Self {
        let table = PeerTable(localID: factory.config.localID, peers: factory.config.peers)
        return .accepting(standing: { table.standing(of: $0) })
    }
}
