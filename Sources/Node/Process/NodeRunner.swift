import Audio
import Broadcast
import Foundation
import Hummingbird
import Logging
import Raft
import RaftStorage
import RaftcastClient
import ServiceLifecycle
import Transport

/// Assembles and runs one node: storage in `data_dir/wal`, the Raft loop, the
/// transport and the HTTP API, in one service group that stops gracefully on
/// SIGTERM and SIGINT.
public struct NodeRunner: Sendable {
    public var cluster: ClusterConfig
    public var member: ClusterConfig.Member
    public var snapshotPolicy: SnapshotPolicy
    public var logger: Logger
    /// Serve `POST /v1/debug/propose` (`raftcast node --enable-debug-propose`; tests and benchmarks only).
    public var enableDebugPropose: Bool
    /// The operator consents to the node rejoining after its log lost entries
    /// it may have acknowledged (`--accept-log-loss`; see ``Raft/LogLoss``).
    public var acceptLogLoss: Bool

    public init(
        cluster: ClusterConfig, member: ClusterConfig.Member, snapshotPolicy: SnapshotPolicy, logger: Logger,
        enableDebugPropose: Bool = false, acceptLogLoss: Bool = false
    ) {
        self.cluster = cluster
        self.member = member
        self.snapshotPolicy = snapshotPolicy
        self.logger = logger
        self.enableDebugPropose = enableDebugPropose
        self.acceptLogLoss = acceptLogLoss
    }

    /// How long a stop (SIGTERM, SIGINT, a fatal failure) may take before the
    /// process is ended anyway (``ShutdownWatchdog``).
    public static let shutdownGrace: Duration = .seconds(4)

    /// Payload bytes of recent log entries the node keeps in memory: the fragments just committed,
    /// which the leader sends to followers and every node's player reads once, at most the paced
    /// lead (6 s) plus the playout delay after they were appended. 1 MiB holds 43 s of 192 kbit/s
    /// MP3 (4 s of 2 Mbit/s video); anything older is read back from the log's segment files (one `pread`
    /// and a CRC check per fragment), which the kernel keeps in its page cache for the last 32 MiB of the
    /// log (``DurableLogStorage/Options/pageCacheWindow``: 23 minutes of such MP3, 2 of such video). The cache
    /// fills within the first minute of a broadcast and every node's memory stays flat after that;
    /// with 8 MiB it grew by 24 KiB/s for 6 minutes of a 192 kbit/s stream (BENCHMARKS.md,
    /// "Cost of playing").
    public static let logCacheBytes: UInt64 = 1 << 20

    /// Environment variable (whole bytes, 0…2^30) that sets ``Config/learnerBatchBytes`` on the leader, for
    /// benchmarks (0: learners are sent every entry at once, as before batching); unset: the core's default.
    public static let learnerBatchEnvironmentKey = "RAFTCAST_LEARNER_BATCH_BYTES"
    /// The log's page-cache window in MiB (benchmarks; default 32 MiB, ``DurableLogStorage/Options/pageCacheWindow``;
    /// 1048576 keeps everything, as before the window).
    public static let pageCacheWindowEnvironmentKey = "RAFTCAST_WAL_CACHE_WINDOW_MIB"
    /// Clock sync's probe interval after the burst, in ms (benchmarks; default 1 s, `ClockSyncSchedule`).
    public static let clockSteadyIntervalEnvironmentKey = "RAFTCAST_CLOCK_STEADY_MS"

    /// The core's settings from cluster.yaml: one tick per heartbeat interval,
    /// an election timeout of `election_timeout_ms.lowerBound / heartbeat_ms`
    /// ticks (the core randomizes it up to twice that).
    public static func raftConfig(cluster: ClusterConfig, member: ClusterConfig.Member, seed: UInt64) -> Config {
        var config = Config(id: member.raftID)
        config.heartbeatTick = 1
        config.electionTick = max(2, cluster.electionTimeoutMilliseconds.lowerBound / cluster.heartbeatMilliseconds)
        config.randomSeed = seed
        config.preVote = true
        config.checkQuorum = true
        return config
    }

    /// Makes GMT the process's default time zone. Hummingbird's Date-header cache builds a Gregorian calendar
    /// in the default time zone; left unset, Foundation resolves the machine's zone (/etc/localtime) through
    /// ICU, which pages in ICU's code and zone data: 1.1 MiB of every node's resident memory (BENCHMARKS.md,
    /// "Cost of playing"). A node's own times are all UTC (log lines, HTTP dates), and GMT is a zone
    /// Foundation knows without ICU.
    static func useGMTAsDefaultTimeZone() {
        if let gmt = TimeZone(secondsFromGMT: 0) { NSTimeZone.default = gmt }
    }

    /// Opens the storage and runs until a signal or a fatal error.
    public func run() async throws {
        HeapTrimService.configureAllocator()
        Self.useGMTAsDefaultTimeZone()
        var logger = self.logger
        logger[metadataKey: "node"] = "\(member.id)"
        let watchdog = ShutdownWatchdog(grace: Self.shutdownGrace, logger: logger)
        watchdog.watch()
        if let raised = FileDescriptorLimit.raiseSoftToHard() {
            logger.info("open files limit was \(raised.before); now \(raised.after)")
            if raised.after.soft < 1024 {
                logger.warning("open files limit \(raised.after.soft) is below 1024, which the connection caps assume")
            }
        }
        // A node removed from the cluster does not start on the data it had as a member.
        if let removed = try RemovedMarker.read(in: member.dataDirectory) {
            throw NodeStartRefusal.removed(
                directory: (member.dataDirectory as NSString).appendingPathComponent(RemovedMarker.fileName), detail: removed)
        }
        let walDirectory = (member.dataDirectory as NSString).appendingPathComponent("wal")
        try FileManager.default.createDirectory(atPath: walDirectory, withIntermediateDirectories: true)
        let uploadDirectory = (member.dataDirectory as NSString).appendingPathComponent("uploads")
        try FileManager.default.createDirectory(atPath: uploadDirectory, withIntermediateDirectories: true)
        // Uploads of an earlier run are never used again (clients re-post): free their space before the log opens.
        let leftovers = UploadStore(directory: uploadDirectory, maxBytes: cluster.maxUploadBytes).removeLeftovers()
        if leftovers.files > 0 {
            logger.notice("removed \(leftovers.files) upload file(s) left by an earlier run (\(leftovers.bytes) bytes)")
        }
        var storageOptions = DurableLogStorage.Options(cacheBytes: Self.logCacheBytes)
        if let mib = TuningEnvironment.wholeNumber(
            Self.pageCacheWindowEnvironmentKey, in: 0...(1 << 20), unit: "MiB", subsystem: "storage", logger: logger) {
            storageOptions.pageCacheWindow = UInt64(mib) << 20
            logger.info("storage: the log keeps \(mib) MiB behind its end in the page cache (\(Self.pageCacheWindowEnvironmentKey))")
        }
        let storage = try DurableLogStorage(directory: walDirectory, options: storageOptions, confState: cluster.bootstrapConfState)
        if !storage.recoveryReport.isClean { logger.warning("log recovery: \(storage.recoveryReport)") }
        let seed = member.raftID ^ UInt64(truncatingIfNeeded: DispatchTime.now().uptimeNanoseconds)
        var config = Self.raftConfig(cluster: cluster, member: member, seed: seed)
        if let bytes = TuningEnvironment.wholeNumber(
            Self.learnerBatchEnvironmentKey, in: 0...(1 << 30), unit: "bytes", subsystem: "raft", logger: logger) {
            config.learnerBatchBytes = UInt64(bytes)
            logger.info("raft: learner batches up to \(bytes) bytes (\(Self.learnerBatchEnvironmentKey))")
        }
        if let loss = storage.logLoss {
            guard acceptLogLoss else { throw NodeStartRefusal.logLoss(directory: walDirectory, loss: loss) }
            // Recorded first, so that a restart before the node has caught up still knows it.
            config.logLoss = try storage.recordLogLoss(loss)
            logger.warning("the log lost entries this node may have acknowledged (\(loss)): rejoining with --accept-log-loss; no vote or campaign until caught up")
        }
        let driver = try NodeDriver(
            config: config, storage: storage, snapshotPolicy: snapshotPolicy, members: MemberDirectory(bootstrap: cluster))
        let metrics = NodeMetrics()
        let transport = Transport(config: cluster.transportConfig(for: member, logger: logger))
        // The transport's peers and the routing of Raft messages follow the replicated directory.
        // A departed member stays reachable for a moment: the leader's last message tells it it was removed.
        let routing = MemberRouting(
            directory: driver.members, transport: transport, localID: member.id, logger: logger,
            departureGrace: .milliseconds(max(1_000, 2 * cluster.electionTimeoutMilliseconds.upperBound)))
        let cluster = self.cluster
        // The loop's ingest reads cluster time from clock sync; clock sync hears who leads from the loop.
        let member = self.member
        var clockClient = ClockSyncClient()
        if let milliseconds = TuningEnvironment.wholeNumber(
            Self.clockSteadyIntervalEnvironmentKey, in: 50...10_000, unit: "ms", subsystem: "clock sync", logger: logger) {
            clockClient = ClockSyncClient(schedule: ClockSyncSchedule(steadyInterval: .milliseconds(milliseconds)))
            logger.info("clock sync: a probe every \(milliseconds) ms after the burst (\(Self.clockSteadyIntervalEnvironmentKey))")
        }
        let clockSync = ClockSyncService(
            node: member.id, peers: cluster.nodes.map(\.id).filter { $0 != member.id }, localClock: SystemMonotonicClock(),
            // Steps when a probe is due (every 200 ms in a burst, then every second) and at once when leadership
            // changes; otherwise a second at most (it refreshes the clock's metrics).
            pollInterval: .seconds(1), client: clockClient, metrics: metrics, logger: logger,
            send: { peer, payload in
                if case .queued = transport.send(payload, to: peer, lane: .control) { return true }
                return false
            })
        // Clock sync's timestamps are taken where the bytes meet the socket, on the transport's event loops.
        transport.setPayloadStamper(clockSync)
        // A Ready's entries go to every follower from one encoding.
        let encoder = RaftMessageEncoder()
        let loop = RaftLoop(
            driver: driver, cluster: cluster, member: member,
            tickInterval: .milliseconds(cluster.heartbeatMilliseconds), metrics: metrics, logger: logger,
            clusterTime: clockSync, uploadDirectory: uploadDirectory
        ) { message in
            RaftService.send(message, through: transport, to: routing.peerID(raftID: message.to), encoder: encoder)
        }
        // The transport, routing and clock sync follow the replicated directory (not cluster.yaml).
        clockSync.setPeers(driver.members.members.map(\.id).filter { $0 != member.id })
        loop.onMembersChanged = { directory in
            routing.update(directory)
            clockSync.setPeers(directory.members.map(\.id).filter { $0 != member.id })
        }
        // Removed: recorded durably first (a restart is refused), then every connection closed.
        let dataDirectory = member.dataDirectory
        loop.onRemoved = { index, term in
            try RemovedMarker.record(member: member.id, index: index, term: term, in: dataDirectory)
            routing.leave()
        }
        // A peer that refuses this node (not a member): it says so in its log and status.
        transport.onRefusedByPeer { peer, reason in loop.refusedByPeer(peer, reason: reason) }
        loop.onLogLossRecovered = { try storage.clearLogLoss() }
        // A dead leader's sockets reset at once: its followers campaign without waiting out the timeout.
        transport.onLinkLost { peer, _ in loop.linkLost(peer: peer) }
        loop.onFailure = { error in watchdog.arm(reason: "\(error)") }
        // Clock sync follows the loop's leader events (no polling, no role strings).
        _ = loop.subscribe { events in
            for case let .leaderChanged(leader, _, isSelf) in events {
                clockSync.leadershipChanged(.init(leader: leader, isSelf: isSelf))
            }
        }
        // systemd (Type=notify): READY=1 once the HTTP API listens and the loop runs, STOPPING=1 on the way out.
        let readiness = NodeReadiness(notifier: SystemdNotifier.fromEnvironment(), logger: logger)
        defer { readiness.stopping() }
        let raftService = RaftService(
            loop: loop, transport: transport, cluster: cluster, member: member, logger: logger, clockSync: clockSync,
            onRunning: { readiness.reached(.raftLoopRunning) })
        let playback = PlaybackService(
            node: member.id, audioDevice: member.audioDevice, dataDirectory: member.dataDirectory, events: loop,
            time: clockSync, logger: logger)
        let api = NodeHTTPAPI(
            backend: loop, metrics: metrics, cluster: cluster, uploadDirectory: uploadDirectory, playback: playback,
            clockSync: clockSync, debugPropose: enableDebugPropose, memberReachable: { routing.isReachable($0) })
        if enableDebugPropose { logger.warning("POST /v1/debug/propose is enabled (--enable-debug-propose): tests and benchmarks only") }
        var httpLogger = logger
        httpLogger.logLevel = max(logger.logLevel, .notice)
        let connections = api.connectionControl(logger: httpLogger)
        let app = Application(
            router: api.makeRouter(),
            server: connections.serverBuilder,
            configuration: .init(
                address: .hostname(member.http.host, port: member.http.port), serverName: nil,
                backlog: HTTPConnectionLimits.acceptBacklog),
            onServerRunning: { listener in
                await connections.installOnListener(listener)
                readiness.reached(.httpListening)
            },
            logger: httpLogger)
        // A service that ends or fails shuts the others down gracefully, never by cancellation: cancelling
        // the HTTP server can drop a connection it has accepted but not yet handed out, and NIO traps on
        // that connection's unfinished writer (apple/swift-nio#2813), which turned a node's clean exit 1 on
        // a full disk into SIGILL. The watchdog bounds a graceful shutdown that does not end.
        // The readiness service is last: the group signals services in reverse order, so STOPPING=1 goes first.
        let services: [any Service] = [raftService, clockSync, playback, app, HeapTrimService(), readiness]
        let group = ServiceGroup(
            configuration: .init(
                services: services.map {
                    .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                          failureTerminationBehavior: .gracefullyShutdownGroup)
                },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}
