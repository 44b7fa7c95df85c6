import Demo
import XCTest

final class DemoLeaderWatchTests: XCTestCase {
    func testALeaderCountsOnceAMajorityNamesItAndTheTakeoverIsTimedFromTheKill() {
        var watch = DemoLeaderWatch(clusterSize: 3)
        // n1 claims to lead but only it says so: no leader yet.
        XCTAssertEqual(
            watch.observe(
                [DemoFixtures.node("n1", "leader", term: 2, leader: "n1"), DemoFixtures.node("n2", "candidate", term: 2, leader: nil)],
                at: .seconds(1)), [])
        XCTAssertNil(watch.leader)
        let elected = watch.observe(
            [DemoFixtures.node("n1", "leader", term: 2, leader: "n1"), DemoFixtures.node("n2", "follower", term: 2, leader: "n1"),
             DemoFixtures.node("n3", "follower", term: 1, leader: nil)],
            at: .milliseconds(1_250))
        XCTAssertEqual(elected.map(\.text), ["leader n1 (term 2)"])
        XCTAssertEqual(watch.leader, .init(id: "n1", term: 2))
        // The same leader again: nothing new.
        XCTAssertEqual(
            watch.observe([DemoFixtures.node("n1", "leader", term: 2, leader: "n1"), DemoFixtures.node("n3", "follower", term: 2, leader: "n1")],
                          at: .seconds(2)), [])

        XCTAssertEqual(watch.leaderKilled(at: .seconds(6)).map(\.text), ["SIGKILL n1, the leader (term 2)"])
        XCTAssertEqual(watch.leaderKilled(at: .seconds(7)), [], "one kill per demo")
        var killed1 = DemoFixtures.node("n1", "leader", term: 2, leader: "n1")
        killed1.process = .killed
        // n2 campaigns: nobody leads yet.
        XCTAssertEqual(
            watch.observe([killed1, DemoFixtures.node("n2", "candidate", term: 3, leader: nil), DemoFixtures.node("n3", "follower", term: 2, leader: "n1")],
                          at: .milliseconds(6_100)), [])
        let takeover = watch.observe(
            [killed1, DemoFixtures.node("n2", "leader", term: 3, leader: "n2"), DemoFixtures.node("n3", "follower", term: 3, leader: "n2")],
            at: .milliseconds(6_325))
        XCTAssertEqual(takeover.map(\.text), ["new leader n2 (term 3), 325 ms after n1 was killed"])
        XCTAssertEqual(takeover.first?.at, .milliseconds(6_325))
        XCTAssertEqual(watch.successor, .init(id: "n2", term: 3))
        XCTAssertEqual(watch.timeToNewLeader, .milliseconds(325))
        XCTAssertEqual(watch.killedLeader, .init(id: "n1", term: 2))
    }

    func testAKilledNodesLastAnswerAndAnOlderTermNeverCount() {
        var watch = DemoLeaderWatch(clusterSize: 5)
        let five = (1...5).map { DemoFixtures.node("n\($0)", $0 == 1 ? "leader" : "follower", term: 4, leader: "n1") }
        _ = watch.observe(five, at: .seconds(1))
        XCTAssertEqual(watch.leader?.id, "n1")
        _ = watch.leaderKilled(at: .seconds(2))
        // Two nodes still name n1 in term 4 and one claims term 3: neither is a new leader.
        var stale = five
        stale[0].process = .killed
        stale[4] = DemoFixtures.node("n5", "leader", term: 3, leader: "n5")
        XCTAssertEqual(watch.observe(stale, at: .seconds(3)), [])
        XCTAssertNil(watch.successor)
        // n3 is named by itself and two others (3 of 5) in term 5.
        let next = [stale[0], DemoFixtures.node("n2", "follower", term: 5, leader: "n3"), DemoFixtures.node("n3", "leader", term: 5, leader: "n3"),
                    DemoFixtures.node("n4", "follower", term: 5, leader: "n3"), DemoFixtures.node("n5", "candidate", term: 5, leader: nil)]
        XCTAssertEqual(watch.observe(next, at: .milliseconds(3_400)).count, 1)
        XCTAssertEqual(watch.successor?.id, "n3")
        XCTAssertEqual(watch.timeToNewLeader, .milliseconds(1_400))
    }
}
