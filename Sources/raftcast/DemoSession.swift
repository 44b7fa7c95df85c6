import ArgumentParser
import Broadcast
import Demo
import Foundation
import RaftcastClient

#if canImport(Glibc)
import Glibc
#endif

/// Runs one `raftcast demo`: the processes, the polling loop and the live view. Every decision —
/// the layout, who leads, what to show, the verdict — is one of module Demo's values; this is the
/// thin layer that starts, watches and stops processes.
///
/// ```
///  electing ─▶ ingesting ─(kill-after)─▶ SIGKILL leader ─▶ takeover ─▶ ingesting ─(ingest exits)─▶
///  playing out ─(survivors idle, or bound)─▶ stopping (SIGTERM, SIGKILL after 10 s) ─▶ verdict
/// ```
/// SIGINT, SIGTERM or a closed output (EPIPE) stop it at the next poll, every process stopped the same
/// way. A SIGKILL cannot be handled: every child is started with ``ExitWithParent``, so it gets SIGTERM
/// from the kernel when the demo dies.
final class DemoSession {
    /// The stream's name in the catalogue.
    static let streamName = "raftcast-demo"
    /// Time between polls while nothing urgent happens (the live view's refresh).
    static let pollInterval = Duration.milliseconds(250)
    /// Time between polls while waiting for the new leader (the takeover's resolution).
    static let takeoverPollInterval = Duration.milliseconds(25)
    /// Each node's answer must come within this.
    static let requestTimeout = Duration.milliseconds(300)

    private let options: DemoOptions
    private let executable: String
    private let layout: DemoClusterLayout
    private let started = ContinuousClock.now
    private var processes: [String: Process] = [:]
    private var processStates: [String: DemoNodeSample.ProcessState] = [:]
    private var ingest: Process?
    private var ingestStatus: Int32?
    private var events: [DemoEvent] = []
    private var printedEvents = 0
    private var watch: DemoLeaderWatch
    private var stream: DemoStreamProgress?
    private var committedAtKill: Int?
    private var samples: [DemoNodeSample] = []
    /// Each node's last reported count of single frames inserted or dropped for drift.
    private var driftCorrections: [String: Int] = [:]
    private var phase = "starting"
    private let terminal = Terminal.standardOutput
    private var drawnLines = 0
    private var lastPlainLine: ContinuousClock.Instant?
    private let interruption = DemoInterruption()

    /// Prepares the working folder: secret, cluster.yaml, data folders.
    init(options: DemoOptions, executable: String) throws {
        self.options = options
        self.executable = executable
        var template = Array("/tmp/raftcast-demo-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw CLIFailure.runtime("/tmp", "cannot create the demo's working folder (errno \(errno))")
        }
        let directory = String(cString: made)
        layout = DemoClusterLayout(options: options, directory: directory, ports: try LoopbackPorts.free(2 * options.nodeCount))
        watch = DemoLeaderWatch(clusterSize: options.nodeCount)
        var secret = [UInt8](repeating: 0, count: 32)
        for index in secret.indices { secret[index] = UInt8.random(in: 0...255) }
        // Mode 0600: nodes and clients refuse a secret file that group or others can read.
        try ClusterConfig.writeSecretFile(
            Array(Data(secret).base64EncodedString().utf8), to: directory + "/" + DemoClusterLayout.secretFileName)
        try layout.yaml.write(toFile: layout.configPath, atomically: true, encoding: .utf8)
        for node in layout.nodes {
            try FileManager.default.createDirectory(atPath: node.dataDirectory, withIntermediateDirectories: true)
        }
    }

    /// Runs the demo to its verdict and prints it; every process it started is stopped and reaped before it
    /// returns or throws (SIGINT, SIGTERM or a closed output end it early: ``DemoInterruption``).
    func run() throws -> DemoVerdict {
        interruption.install()
        defer {
            stopEverything()
            interruption.uninstall()
        }
        show("work folder: \(layout.directory) (cluster.yaml, node logs, play logs, WAV files; kept)\n")
        show(String(
            format: "media: %@ (%.1f s); %d nodes; the leader is killed %.1f s into the broadcast\n",
            options.mediaPath, options.mediaSeconds, options.nodeCount, options.killAfterSeconds))
        if let failure = interruptionFailure() { throw failure }
        let verdict = try broadcast()
        for line in verdict.lines { show(line + "\n") }
        // A signal once the nodes are stopped changes nothing; a verdict nobody could read is a failure.
        if interruption.isOutputClosed, let failure = interruptionFailure() { throw failure }
        return verdict
    }

    /// Starts the nodes, runs the broadcast and the kill, stops everything; the verdict.
    private func broadcast() throws -> DemoVerdict {
        for node in layout.nodes { try startNode(node) }

        phase = "electing"
        guard try poll(until: { watch.leader != nil && clocksSynchronized }, timeout: .seconds(20)) else {
            let reason = watch.leader == nil ? "no leader" : "the nodes' clocks did not synchronize"
            throw CLIFailure.runtime("demo", "\(reason) within 20 s (see the node logs in \(layout.directory))")
        }
        record("every node follows the cluster clock")

        phase = "ingesting"
        try startIngest()
        let ingestStarted = ContinuousClock.now
        let killAt = ingestStarted + .milliseconds(Int64(options.killAfterSeconds * 1000))
        // The kill comes at --kill-after even when the ingest finished first (a short file is committed
        // ahead of its playout): the broadcast still plays from the log, and the takeover is what the
        // demo shows. Only a failed ingest ends the run early.
        _ = try poll(
            until: {
                if ingestStatus == 0 { phase = "playing out" }
                return ContinuousClock.now >= killAt || (ingestStatus.map { $0 != 0 } ?? false)
            },
            timeout: .seconds(Int64(options.mediaSeconds) + 60))
        if ingestStatus == nil || ingestStatus == 0 {
            killLeader()
            phase = "takeover"
            _ = try poll(until: { watch.successor != nil }, interval: Self.takeoverPollInterval, timeout: .seconds(20))
            phase = ingestStatus == nil ? "ingesting" : "playing out"
        }
        if let status = ingestStatus, status != 0 {
            phase = "stopping"
            render(force: true)
            stopEverything()
            return DemoVerdict(outcome())
        }
        let ingestBound = ingestStarted + .seconds(options.mediaSeconds.rounded(.up)) + .seconds(60)
        _ = try poll(until: { ingestStatus != nil }, timeout: ingestBound - ContinuousClock.now)

        phase = "playing out"
        let playoutBound = Duration.milliseconds(DemoClusterLayout.playoutDelayMilliseconds) + .seconds(15)
        let quietAfter = ContinuousClock.now + .milliseconds(DemoClusterLayout.playoutDelayMilliseconds) + .seconds(2)
        _ = try poll(until: { playedOut(orQuietAfter: quietAfter) }, timeout: playoutBound)

        phase = "stopping"
        render(force: true)
        stopEverything()
        return DemoVerdict(outcome())
    }

    // MARK: Processes

    private func startNode(_ node: DemoClusterLayout.Node) throws {
        let process = try spawn(
            ["node", "--config", layout.configPath, "--id", node.id], log: layout.directory + "/\(node.id).log")
        processes[node.id] = process
        processStates[node.id] = .running
    }

    private func startIngest() throws {
        ingest = try spawn(
            ["ingest", options.mediaPath, "--config", layout.configPath, "--name", Self.streamName],
            log: layout.directory + "/ingest.log")
        record("raftcast ingest started (log: ingest.log)")
    }

    private func spawn(_ arguments: [String], log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        defer { try? handle.close() }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        // The child dies with the demo, even a SIGKILLed one (`raftcast node` and `ingest` read this).
        process.environment = ProcessInfo.processInfo.environment.merging(ExitWithParent.environment()) { $1 }
        do {
            try process.run()
        } catch {
            throw CLIFailure.runtime(executable, "cannot start \(arguments.first ?? ""): \(error)")
        }
        return process
    }

    private func killLeader() {
        guard let leader = watch.leader, let process = processes[leader.id], process.isRunning else {
            record("no leader to kill")
            return
        }
        stream = fetchStream() ?? stream
        committedAtKill = stream?.committedFragments
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        processStates[leader.id] = .killed
        events += watch.leaderKilled(at: elapsed)
        if let committedAtKill { record("\(committedAtKill) fragments were committed when \(leader.id) died") }
    }

    /// SIGTERM to every node still running (SIGKILL after 10 s) and to the ingest (SIGKILL after 3 s);
    /// every process reaped. Safe to call twice.
    private func stopEverything() {
        if let ingest, ingest.isRunning {
            terminate([ingest], grace: .seconds(3))
            record("raftcast ingest stopped")
        }
        let running = processes.filter { $0.value.isRunning }
        terminate(Array(running.values), grace: .seconds(10))
        for (id, process) in running { processStates[id] = .exited(process.terminationStatus) }
    }

    private func terminate(_ group: [Process], grace: Duration) {
        for process in group where process.isRunning { kill(process.processIdentifier, SIGTERM) }
        let deadline = ContinuousClock.now + grace
        while group.contains(where: \.isRunning) && ContinuousClock.now < deadline { usleep(20_000) }
        for process in group where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for process in group { process.waitUntilExit() }
    }

    // MARK: Polling

    private var elapsed: Duration { ContinuousClock.now - started }

    /// Polls every `interval` until `done()` or `timeout`; returns whether `done()` held.
    private func poll(until done: () -> Bool, interval: Duration = DemoSession.pollInterval, timeout: Duration) throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let failure = interruptionFailure() { throw failure }
            sample()
            render(force: false)
            if done() { return true }
            if ContinuousClock.now >= deadline { return false }
            let (seconds, attoseconds) = interval.components
            usleep(UInt32(seconds * 1_000_000 + attoseconds / 1_000_000_000_000))
        }
    }

    private func sample() {
        for (id, process) in processes where processStates[id] == .running && !process.isRunning {
            processStates[id] = .exited(process.terminationStatus)
            record("\(id) exited by itself (status \(process.terminationStatus); see \(id).log)")
        }
        if let ingest, ingestStatus == nil, !ingest.isRunning {
            ingestStatus = ingest.terminationStatus
            record("raftcast ingest finished (exit \(ingest.terminationStatus))")
        }
        samples = layout.nodes.map { node in
            let state = processStates[node.id] ?? .running
            guard state == .running else { return DemoNodeSample(id: node.id, process: state, cluster: nil, playback: nil) }
            return DemoNodeSample(
                id: node.id, process: state,
                cluster: fetch(ClusterStatusReport.self, node: node, path: "/v1/cluster"),
                playback: phase == "takeover" ? nil : fetch(DemoPlayback.self, node: node, path: "/v1/playback"))
        }
        for sample in samples {
            if let frames = sample.playback?.driftCorrectionFrames { driftCorrections[sample.id] = frames }
        }
        events += watch.observe(samples, at: elapsed)
        if phase != "electing", phase != "takeover" { stream = fetchStream() ?? stream }
    }

    private func fetch<T: Decodable>(_ type: T.Type, node: DemoClusterLayout.Node, path: String) -> T? {
        guard let response = try? HTTPFetch.request(host: "127.0.0.1", port: node.httpPort, path: path, timeout: Self.requestTimeout),
            response.status == 200
        else { return nil }
        return try? JSONDecoder().decode(T.self, from: Data(response.body))
    }

    /// The demo's stream as the leader (or else any running node) lists it.
    private func fetchStream() -> DemoStreamProgress? {
        let preferred = watch.leader.flatMap { layout.node($0.id) }
        let candidates = ([preferred].compactMap { $0 } + layout.nodes).filter { processStates[$0.id] == .running }
        for node in candidates {
            guard let response = try? HTTPFetch.request(
                host: "127.0.0.1", port: node.httpPort, path: "/v1/streams", timeout: Self.requestTimeout),
                response.status == 200
            else { continue }
            if let found = try? DemoStreamProgress.decodeList(response.body, named: Self.streamName) { return found }
        }
        return nil
    }

    /// Every running node follows the cluster timeline (a node that does not say counts as following):
    /// a listener joins a broadcast only once its clock does, so the ingest waits for it.
    private var clocksSynchronized: Bool {
        samples.allSatisfy { $0.process != .running || ($0.playback != nil && $0.playback?.clockSynchronized != false) }
    }

    /// Every survivor has played the stream and gone idle; or, when the nodes do not report
    /// playback, `quietAfter` has passed.
    private func playedOut(orQuietAfter quietAfter: ContinuousClock.Instant) -> Bool {
        let survivors = samples.filter { $0.process == .running }
        let reports = survivors.compactMap(\.playback)
        guard reports.count == survivors.count, !reports.isEmpty else { return ContinuousClock.now >= quietAfter }
        return reports.allSatisfy(\.isDone)
    }

    // MARK: Output

    private func record(_ text: String) {
        events.append(DemoEvent(at: elapsed, text: text))
    }

    /// Writes `text` to the demo's output, unless it was found closed: then nothing more is written, and
    /// the next poll stops the demo (a reader that is gone is an interruption, like SIGINT).
    private func show(_ text: String) {
        guard !interruption.isOutputClosed else { return }
        if terminal.write(text) == EPIPE { interruption.noteOutputClosed() }
    }

    /// What ends an interrupted demo (nil while it is not): one line on stderr, exit 1. A closed output
    /// that is also stderr (`raftcast demo 2>&1 | head`) gets no line, only the exit status.
    private func interruptionFailure() -> (any Error)? {
        if interruption.isSignalled { return CLIFailure.runtime("demo", "interrupted (work folder \(layout.directory))") }
        guard interruption.isOutputClosed else { return nil }
        if terminal.isSameFile(as: .standardError) { return ExitCode(CLIFailure.Code.runtimeFailure.rawValue) }
        return CLIFailure.runtime("demo", "standard output closed; stopped (work folder \(layout.directory))")
    }

    private func render(force: Bool) {
        let snapshot = DemoSnapshot(elapsed: elapsed, phase: phase, stream: stream, nodes: samples, events: events)
        if terminal.isInteractive {
            let lines = DemoView.lines(snapshot, width: terminal.columns)
            show(DemoView.redraw(lines, previousLineCount: drawnLines))
            drawnLines = lines.count
            return
        }
        for event in events[printedEvents...] { show(event.line + "\n") }
        printedEvents = events.count
        let now = ContinuousClock.now
        if force || lastPlainLine.map({ now - $0 >= .seconds(1) }) ?? true {
            show(DemoView.plainLine(snapshot) + "\n")
            lastPlainLine = now
        }
    }

    // MARK: Verdict

    private func outcome() -> DemoOutcome {
        var playLogs: [String: [PlayLogRecord]] = [:]
        var captures: [String: DemoOutcome.Capture] = [:]
        for node in layout.nodes {
            let path = node.dataDirectory + "/" + PlayLog.fileName
            if FileManager.default.fileExists(atPath: path) {
                do {
                    playLogs[node.id] = try PlayLog.read(path: path)
                } catch {
                    Diagnostics.warning(subject: path, message: "\(error)")
                }
            }
            if let file = node.captureFile {
                let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? nil
                captures[node.id] = DemoOutcome.Capture(path: file, bytes: size)
            }
        }
        return DemoOutcome(
            nodes: layout.nodes.map(\.id), killedLeader: watch.killedLeader?.id, timeToNewLeader: watch.timeToNewLeader,
            stream: stream?.id, expectedFragments: stream?.expectedFragments ?? stream.map(\.committedFragments),
            committedAtKill: committedAtKill, ingestStatus: ingestStatus, ingestMessage: lastLine(of: layout.directory + "/ingest.log"),
            playLogs: playLogs, captures: captures, driftCorrections: driftCorrections)
    }

    /// The last non-empty line of a log (the failing command's one-line error).
    private func lastLine(of path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map(String.init)
    }
}
