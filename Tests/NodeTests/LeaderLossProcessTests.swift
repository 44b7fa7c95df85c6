import Foundation
import Node
import XCTest

/// Real `raftcast node` processes with a LAN's election timeout (1–2 s): when the leader is SIGKILLed its
/// followers see its connections reset and a new leader commits well before the shortest election timeout
/// (issue 18, target 3; `RaftNode.reportLeaderUnreachable`).
final class LeaderLossProcessTests: XCTestCase {
    func testANewLeaderCommitsLongBeforeTheElectionTimeoutWhenTheLeaderDies() throws {
        let cluster = try LocalCluster(size: 3, debugPropose: true, timing: (heartbeat: 100, election: 1000...2000))
        addTeardownBlock { cluster.shutdown(keepFiles: false) }
        try cluster.startAll()
        let leader = try cluster.waitForLeader(among: cluster.ids, timeout: .seconds(20))
        _ = try cluster.propose(Array("before".utf8), leader: leader)
        let survivors = cluster.ids.filter { $0 != leader }
        let killed = ContinuousClock.now
        cluster.kill9(leader)
        let newLeader = try cluster.waitForLeader(among: survivors, timeout: .seconds(10))
        _ = try cluster.propose(Array("after".utf8), leader: newLeader)
        let elapsed = ContinuousClock.now - killed
        print("leader \(leader) killed: \(newLeader) committed after \(elapsed)")
        // The shortest election timeout is 1 s; without the reset a follower waits at least that long.
        XCTAssertLessThan(elapsed, .milliseconds(700), "a new leader committed \(elapsed) after the kill")
        let log = (try? String(contentsOf: cluster.directory.appendingPathComponent("\(newLeader)-1.log"), encoding: .utf8)) ?? ""
        XCTAssertTrue(
            log.contains("the connection to leader \(leader) was lost") || survivors.contains { id in
                ((try? String(contentsOf: cluster.directory.appendingPathComponent("\(id)-1.log"), encoding: .utf8)) ?? "")
                    .contains("the connection to leader \(leader) was lost")
            }, "a follower logged the lost connection")
    }
}
