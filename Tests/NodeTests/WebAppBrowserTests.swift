import Foundation
import TestSupport
import XCTest

/// The web app in a real browser (issue 16, "What shows it"): headless Debian Chromium driven by
/// Tests/Browser/webapp_test.py (Debian's selenium and chromedriver; nothing downloaded) against three real
/// `raftcast node` processes on loopback with `cors_origin: "*"` (the page reads every node). The script
/// prints one JSON line, asserted here; on a failure it keeps a screenshot and the page source in the
/// artifacts folder it names (kept when the test fails). Skipped only when chromium or chromedriver is
/// not installed (scripts/bootstrap.sh installs them).
final class WebAppBrowserTests: XCTestCase {
    static let script = PythonTools.repositoryRoot.appendingPathComponent("Tests/Browser/webapp_test.py").path
    static let playerScript = PythonTools.repositoryRoot.appendingPathComponent("Tests/Browser/player_test.py").path

    /// A started 3-node cluster (by default one that lets any origin call it), shut down by a teardown block.
    private func startCluster(settings: [String] = ["cors_origin: \"*\""]) throws -> (LocalCluster, String) {
        for tool in ["/usr/bin/chromium", "/usr/bin/chromedriver"] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw XCTSkip("\(tool) is not installed (scripts/bootstrap.sh installs chromium and chromium-driver)")
        }
        let cluster = try LocalCluster(size: 3, clusterSettings: settings)
        addTeardownBlock { cluster.shutdown() }
        try cluster.startAll()
        let leader = try cluster.waitForLeader(among: cluster.ids)
        _ = try cluster.waitForSameState(cluster.ids)
        // The page is served by a follower: its dashboard and its writes reach the leader across origins.
        let follower = cluster.ids.first { $0 != leader }!
        return (cluster, "http://127.0.0.1:\(cluster.httpPorts[cluster.index(of: follower)])")
    }

    /// Runs one scenario of the web app's script (bounded) and returns its JSON line.
    private func browse(_ scenario: String, url: String, cluster: LocalCluster, _ arguments: [String]) throws -> [String: Any] {
        try runBrowser(
            Self.script, name: scenario, cluster: cluster,
            [scenario, "--url", url, "--token", cluster.token, "--deadline", "75"] + arguments)
    }

    /// Runs `script` with `arguments` and `--artifacts` (bounded) and returns its JSON line; a result that
    /// is not ok fails the test with the script's error and evidence, and keeps the cluster's files.
    private func runBrowser(_ script: String, name: String, cluster: LocalCluster, _ arguments: [String]) throws -> [String: Any] {
        let artifacts = cluster.directory.appendingPathComponent("browser-\(name)")
        let run = try ToolProcess.run(
            "/usr/bin/python3", [script] + arguments + ["--artifacts", artifacts.path],
            timeout: 100, environment: ["PYTHONDONTWRITEBYTECODE": "1"])
        let line = run.stdoutText.split(separator: "\n").last.map(String.init) ?? ""
        let result = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
        print("browser \(name): \(line)")
        if result["ok"] as? Bool != true {
            // Keep the evidence: the cluster's folder stays.
            cluster.shutdown(keepFiles: true)
            XCTFail(
                "\(name): \(result["error"] ?? "no result") — evidence: \(result["evidence"] ?? artifacts.path)\n"
                    + run.stderrText.suffix(3000) + "\n" + cluster.logTails())
        }
        return result
    }

    /// Queues `items` under `ids` (fast ingest, in order) on the leader and waits until the node that
    /// serves `url` lists the first one in its live playlist; returns that node's id.
    private func queue(_ items: [String], ids: [String], cluster: LocalCluster, servedAt url: String) throws -> String {
        let leader = try cluster.waitForLeader(among: cluster.ids)
        for (id, path) in zip(ids, items) {
            let posted = try cluster.http(
                leader, "POST", "/v1/streams?id=\(id)&fast=1&filename=\(URL(fileURLWithPath: path).lastPathComponent)",
                body: Array(try Data(contentsOf: URL(fileURLWithPath: path))), headers: ["Content-Type": "application/octet-stream"])
            XCTAssertEqual(posted.status, 202, posted.text)
        }
        let serving = try XCTUnwrap(cluster.ids.first { url.hasSuffix(":\(cluster.httpPorts[cluster.index(of: $0)])") })
        try cluster.waitFor("the serving node lists the first item", timeout: .seconds(30)) { () -> Bool? in
            (try? cluster.http(serving, "GET", "/v1/live/index.m3u8"))?.text.contains("\(ids[0])/hls/0.") == true ? true : nil
        }
        return serving
    }

    func testPageLoadsWithoutErrorsShowsTheClusterAndFollowsItsEvents() throws {
        let (cluster, url) = try startCluster()
        let media = PythonTools.repositoryRoot.appendingPathComponent("media/sample.mp3").path
        let result = try browse("layout", url: url, cluster: cluster, ["--media", media])
        XCTAssertEqual(result["dashboard_nodes"] as? Int, 3)
        XCTAssertEqual(result["dashboard_leader"] as? String, try cluster.waitForLeader(among: cluster.ids))
        XCTAssertGreaterThanOrEqual(result["events_seen"] as? Int ?? 0, 2)
        let id = result["last_event_id"] as? String ?? ""
        XCTAssertNotNil(id.range(of: "^[0-9a-f]{16}-[0-9]+$", options: .regularExpression), id)
        let phone = result["phone_widths"] as? [Int] ?? []
        XCTAssertEqual(phone.last, 360)
        XCTAssertLessThan(result["seconds"] as? Double ?? 999, 60)
    }

    func testQueueControlsAndDropUploadChangeTheProgramme() throws {
        let (cluster, url) = try startCluster()
        let items = try ["a", "b", "c"].map { try ScriptMedia.make(kind: "mp3-cbr", seconds: 30, name: "browser-queue-\($0).mp3") }
        let upload = PythonTools.repositoryRoot.appendingPathComponent("media/sample.mp4").path
        let result = try browse("queue", url: url, cluster: cluster, ["--items"] + items + ["--upload", upload])
        XCTAssertEqual(result["queue_after_controls"] as? Bool, true)
        let uploaded = result["uploaded"] as? String ?? ""
        XCTAssertEqual(cluster.json(cluster.ids[0], "/v1/streams/\(uploaded)")?["id"] as? String, uploaded)
        XCTAssertLessThan(result["seconds"] as? Double ?? 999, 60)
    }

    /// The live player (player.js): it plays the live programme (a 40 s H.264 + AAC item) in step with the
    /// cluster clock, and when the node that served the page is SIGKILLed it goes on from another node
    /// without a rewind and with at most 1 s of stall. The offset to the cluster timeline is reported.
    /// No `cors_origin`: a page opened at a member's address may call every member by default.
    func testTheLivePlayerFollowsTheClusterClockAndGoesOnWhenItsNodeDies() throws {
        let (cluster, url) = try startCluster(settings: [])
        let media = try ScriptMedia.make(kind: "mp4-aac48", seconds: 40, name: "browser-live-aac48.mp4")
        let serving = try queue([media], ids: ["00000000000000e1"], cluster: cluster, servedAt: url)
        let pid = try XCTUnwrap(cluster.processes[serving]).processIdentifier
        let result = try runBrowser(
            Self.playerScript, name: "player", cluster: cluster, ["--url", url, "--kill-pid", "\(pid)", "--deadline", "80"])
        guard result["ok"] as? Bool == true else { return }
        let outside = try XCTUnwrap(result["outside_offset_ms"] as? Double)
        let after = try XCTUnwrap(result["outside_offset_after_ms"] as? Double)
        // The page's own figure every 250 ms: its 95th percentile (one sample of a page starved of CPU, as on
        // a loaded 2-core machine, may read late; the median and max are reported).
        let page = try XCTUnwrap((result["page_sync_error_ms"] as? [String: Double])?["p95"])
        XCTAssertLessThanOrEqual(abs(outside), 40, "|player position − cluster timeline|, measured from outside")
        XCTAssertLessThanOrEqual(abs(after), 40, "the same after the move to another node")
        XCTAssertLessThanOrEqual(page, 40, "the page's own figure once started")
        XCTAssertLessThanOrEqual(result["longest_stall_ms"] as? Int ?? 9999, 1000)
    }

    /// A programme of three items of other track layouts and codecs (H.264 + AAC 48 kHz, MP3, H.264 + AAC
    /// 44.1 kHz): the player plays from the first to the last, a new MediaSource at each change of layout,
    /// with at most 1 s of stall at a boundary and within 40 ms of the cluster timeline on the last item.
    func testTheLivePlayerPlaysAProgrammeAcrossItemsOfOtherFormats() throws {
        let (cluster, url) = try startCluster(settings: [])
        let items = [
            try ScriptMedia.make(kind: "mp4-aac48", seconds: 6, name: "browser-programme-a.mp4"),
            try ScriptMedia.make(kind: "mp3-cbr", seconds: 6, name: "browser-programme-b.mp3"),
            try ScriptMedia.make(kind: "mp4-bframes", seconds: 6, name: "browser-programme-c.mp4"),
        ]
        _ = try queue(items, ids: (1...3).map { "00000000000000f\($0)" }, cluster: cluster, servedAt: url)
        let result = try runBrowser(
            Self.playerScript, name: "programme", cluster: cluster,
            ["--scenario", "programme", "--url", url, "--play", "14", "--deadline", "80"])
        guard result["ok"] as? Bool == true else { return }
        let programme = try XCTUnwrap(result["programme"] as? [String: Any])
        XCTAssertGreaterThanOrEqual(programme["sources"] as? Int ?? 0, 3, "a MediaSource for each change of layout: \(programme)")
        XCTAssertLessThanOrEqual(result["longest_stall_ms"] as? Int ?? 9999, 1000)
        XCTAssertLessThanOrEqual(abs(try XCTUnwrap(result["outside_offset_ms"] as? Double)), 40)
    }
}
