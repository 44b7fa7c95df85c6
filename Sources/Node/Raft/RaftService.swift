import Logging
import NIOCore
import Raft
import RaftcastClient
import ServiceLifecycle
import Transport

/// The long-running Raft part of a node, as a service of the node's service
/// group: starts the transport and the ``RaftLoop``, feeds decoded messages
/// from both lanes to the loop, and on graceful shutdown stops the loop
/// (which flushes the log) and then the transport.
///
/// Control-lane payloads are routed by their first byte: ``ClockSyncCodec/format``
/// (0xC5) goes to ``clockSync``, anything else is decoded as a Raft message
/// (whose first byte is ``RaftMessageCodec/version``, 1).
public final class RaftService: Service, Sendable {
    public let loop: RaftLoop
    let transport: Transport
    let logger: Logger
    let cluster: ClusterConfig
    let member: ClusterConfig.Member
    /// Receives the clock-sync messages of the control lane; without it they are dropped as undecodable.
    let clockSync: ClockSyncService?
    /// Called once the transport listens and the loop's thread runs (the node's readiness).
    let onRunning: (@Sendable () -> Void)?

    public init(
        loop: RaftLoop, transport: Transport, cluster: ClusterConfig, member: ClusterConfig.Member, logger: Logger,
        clockSync: ClockSyncService? = nil, onRunning: (@Sendable () -> Void)? = nil
    ) {
        self.loop = loop
        self.transport = transport
        self.cluster = cluster
        self.member = member
        self.logger = logger
        self.clockSync = clockSync
        self.onRunning = onRunning
    }

    /// Sends `message` to the member `peer` (nil: not a member, nothing is sent) on its lane (votes,
    /// heartbeats and responses on the control lane; appends and snapshots on the bulk lane). The node
    /// routes by its member directory (``MemberRouting/peerID(raftID:)``).
    /// `encoder` encodes entries sent to several peers once (``RaftMessageEncoder``).
    /// - Returns: true when the transport queued it.
    public static func send(
        _ message: Message, through transport: Transport, to peer: String?, encoder: RaftMessageEncoder
    ) -> Bool {
        guard let peer else { return false }
        let lane: Lane = message.type.isControl ? .control : .bulk
        if case .queued = transport.send(parts: encoder.parts(of: message), to: peer, lane: lane) { return true }
        return false
    }

    public func run() async throws {
        try await transport.start()
        loop.start()
        onRunning?()
        let loop = self.loop
        let logger = self.logger
        let transport = self.transport
        let localID = member.raftID
        let clockSync = self.clockSync
        await withTaskGroup(of: Void.self) { group in
            for lane in Lane.allCases {
                guard let inbound = transport.messages(on: lane) else { continue }
                group.addTask {
                    for await message in inbound {
                        if lane == .control, let clockSync, ClockSyncCodec.isClockSync(message.payload) {
                            // Stamped on arrival by the transport (ClockSyncService's PayloadStamper).
                            clockSync.receive(
                                message.payload, from: message.from, arrivedAt: message.stamp.map { .nanoseconds($0) })
                            continue
                        }
                        do {
                            let decoded = try RaftMessageCodec.decode(message.payload)
                            // The transport authenticated the sender's name; the
                            // message must claim that sender and be meant for us.
                            // (The transport accepts current members only; a member's Raft id is its name's hash.)
                            guard decoded.from == ClusterConfig.raftID(for: message.from), decoded.to == localID else {
                                logger.warning("dropped Raft message with a forged sender or recipient", metadata: [
                                    "from": "\(message.from)", "claimed": "\(decoded.from)", "to": "\(decoded.to)",
                                ])
                                continue
                            }
                            loop.deliver(decoded)
                        } catch {
                            logger.warning("dropped undecodable Raft message", metadata: [
                                "from": "\(message.from)", "lane": "\(lane)", "reason": "\(error)",
                            ])
                        }
                    }
                }
            }
            await withGracefulShutdownHandler {
                await withTaskCancellationHandler {
                    await loop.waitUntilStopped()
                } onCancel: {
                    loop.requestStop()
                }
            } onGracefulShutdown: {
                loop.requestStop()
            }
            await transport.shutdown()
            group.cancelAll()
        }
        if let failure = loop.failure { throw failure }
    }
}
