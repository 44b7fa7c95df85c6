import Broadcast
import BroadcastTesting
import XCTest

final class ClockSyncClientTests: XCTestCase {
    /// The answer of a server whose cluster time is its local time + `offset`, 0.1 ms each way.
    static func answer(_ probe: ClockSyncProbe, offset: Duration) -> (ClockSyncResponse, arrival: Duration) {
        let received = ClusterTime.zero + (probe.clientSend + .microseconds(100) + offset)
        let response = ClockSyncResponse(
            id: probe.id, clientSend: probe.clientSend, serverReceive: received, serverSend: received,
            serverErrorBound: .zero)
        return (response, probe.clientSend + .microseconds(200))
    }

    func testProbesTheLeaderAndUsesItsAnswers() throws {
        var sync = ClockSyncClient()
        XCTAssertNil(sync.probeIfDue(at: .seconds(1)), "no leader known")
        sync.leaderChanged(to: "n1", isSelf: false, at: .seconds(1))
        XCTAssertEqual(sync.server, "n1")
        var now = Duration.seconds(1)
        for _ in 0..<3 {
            let (server, probe) = try XCTUnwrap(sync.probeIfDue(at: now))
            XCTAssertEqual(server, "n1")
            XCTAssertNil(sync.probeIfDue(at: now), "not due twice")
            let (response, arrival) = Self.answer(probe, offset: .seconds(5))
            XCTAssertNotNil(sync.receive(response, from: "n1", at: arrival))
            now += .milliseconds(200)
        }
        XCTAssertTrue(sync.clock.isSynchronized)
        XCTAssertEqual(sync.clock.clusterTime(at: .seconds(10))!.nanoseconds, 15_000_000_000, accuracy: 1)
        XCTAssertEqual(sync.schedule.samplesSinceRestart, 3)
    }

    func testStaleDuplicateForeignAndLateAnswersAreDropped() throws {
        var sync = ClockSyncClient()
        sync.leaderChanged(to: "n1", isSelf: false, at: .zero)
        let (_, first) = try XCTUnwrap(sync.probeIfDue(at: .zero))
        let (answer, arrival) = Self.answer(first, offset: .seconds(5))
        XCTAssertNil(sync.receive(answer, from: "n2", at: arrival), "not the server it was sent to")
        XCTAssertNil(sync.receive(answer, from: "n1", at: arrival), "already consumed by the mismatch")

        let (_, second) = try XCTUnwrap(sync.probeIfDue(at: .milliseconds(200)))
        var forged = Self.answer(second, offset: .seconds(5)).0
        forged.clientSend = .milliseconds(199)
        XCTAssertNil(sync.receive(forged, from: "n1", at: .milliseconds(201)), "echo mismatch")

        let (_, third) = try XCTUnwrap(sync.probeIfDue(at: .milliseconds(400)))
        XCTAssertNil(sync.receive(Self.answer(third, offset: .seconds(5)).0, from: "n1", at: .seconds(3)), "too late")

        let (_, fourth) = try XCTUnwrap(sync.probeIfDue(at: .seconds(3)))
        sync.leaderChanged(to: "n2", isSelf: false, at: .seconds(3) + .microseconds(50))
        let (fromOldLeader, oldArrival) = Self.answer(fourth, offset: .seconds(5))
        XCTAssertNil(sync.receive(fromOldLeader, from: "n1", at: oldArrival), "from the previous leader")
        XCTAssertEqual(sync.droppedResponses, 5)
        XCTAssertEqual(sync.schedule.samplesSinceRestart, 0)
        XCTAssertFalse(sync.clock.isSynchronized)
    }

    /// The transport rewrites t0 when the probe is written, so the echo may be later than when the probe was
    /// made — but not before it, and not after the answer arrived.
    func testAnEchoedSendTimeBetweenTheProbeAndTheArrivalIsUsed() throws {
        var sync = ClockSyncClient()
        sync.leaderChanged(to: "n1", isSelf: false, at: .zero)
        let (_, first) = try XCTUnwrap(sync.probeIfDue(at: .seconds(1)))
        var written = first
        written.clientSend = .seconds(1) + .microseconds(70)  // stamped on the event loop, 70 µs later
        let (answer, arrival) = Self.answer(written, offset: .seconds(5))
        XCTAssertEqual(sync.receive(answer, from: "n1", at: arrival), .waiting)
        let sample = try XCTUnwrap(sync.clock.filter.samples.last)
        XCTAssertEqual(sample.clientSend, written.clientSend)
        XCTAssertEqual(sample.delayNanoseconds, 200_000)

        let (_, second) = try XCTUnwrap(sync.probeIfDue(at: .seconds(1) + .milliseconds(200)))
        var afterArrival = Self.answer(second, offset: .seconds(5)).0
        afterArrival.clientSend = second.clientSend + .microseconds(300)
        XCTAssertNil(sync.receive(afterArrival, from: "n1", at: second.clientSend + .microseconds(200)), "t0 after t3")
        XCTAssertEqual(sync.droppedResponses, 1)
        XCTAssertEqual(sync.clock.filter.samples.count, 1)
    }

    func testLeadershipAndHoldover() throws {
        var sync = ClockSyncClient()
        sync.leaderChanged(to: "n1", isSelf: false, at: .zero)
        var now = Duration.zero
        for _ in 0..<30 {
            if let (_, probe) = sync.probeIfDue(at: now) {
                let (response, arrival) = Self.answer(probe, offset: .seconds(-2))
                sync.receive(response, from: "n1", at: arrival)
            }
            now += .milliseconds(100)
        }
        XCTAssertTrue(sync.clock.isSynchronized)
        let before = sync.clock.clusterTime(at: .seconds(60))
        // No leader for a while: nothing is probed, the clock runs on.
        sync.leaderChanged(to: nil, isSelf: false, at: now)
        XCTAssertNil(sync.server)
        XCTAssertNil(sync.probeIfDue(at: now + .seconds(5)))
        XCTAssertEqual(sync.clock.clusterTime(at: .seconds(60)), before)
        // This node is elected: it serves the same timeline.
        sync.leaderChanged(to: "n0", isSelf: true, at: now + .seconds(6))
        XCTAssertEqual(sync.clock.role, .leader)
        XCTAssertNil(sync.probeIfDue(at: now + .seconds(7)))
        XCTAssertEqual(sync.clock.clusterTime(at: .seconds(60)), before)
        // Another node is elected: back to following, with a fresh burst.
        sync.leaderChanged(to: "n2", isSelf: false, at: now + .seconds(8))
        XCTAssertEqual(sync.clock.role, .follower)
        XCTAssertEqual(sync.server, "n2")
        XCTAssertTrue(sync.schedule.isBursting)
        XCTAssertEqual(sync.probeIfDue(at: now + .seconds(8))?.server, "n2")
    }
}
