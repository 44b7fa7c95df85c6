import Foundation
import TestSupport

/// Clusters whose nodes play into alsa-lib's `file` plugin: each node's `audio:` is
/// `file:FILE=<captures>/<id>.raw,FORMAT=raw`, so what it played is a raw file of interleaved 16-bit
/// stereo at 48 kHz (complete once the node has exited).
extension LocalCluster {
    /// A started cluster of `size` capturing nodes, a leader elected, every node's clock synchronized and
    /// its engine idle; `nodeSettings(id)` are extra lines of a node's entry (`role: listener`). The caller
    /// shuts it down (on a failure before it returns, it is shut down here).
    static func startCapturing(
        size: Int = 3, captures: URL, clusterSettings: [String] = [], nodeSettings: (String) -> [String] = { _ in [] }
    ) throws -> LocalCluster {
        let cluster = try LocalCluster(size: size, clusterSettings: clusterSettings) { id in
            ["audio: file:FILE=\(captures.appendingPathComponent("\(id).raw").path),FORMAT=raw"] + nodeSettings(id)
        }
        do {
            try cluster.startAll()
            _ = try cluster.waitForLeader(among: cluster.ids)
            _ = try cluster.waitFor("every node synchronized and its engine idle") { () -> Bool? in
                cluster.ids.allSatisfy { id in
                    guard let playback = cluster.json(id, "/v1/playback") else { return false }
                    return playback["clock_synchronized"] as? Bool == true && playback["state"] as? String == "idle"
                } ? true : nil
            }
        } catch {
            cluster.shutdown()
            throw error
        }
        return cluster
    }
}
