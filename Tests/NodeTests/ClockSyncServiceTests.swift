import Audio
import Broadcast
import Logging
import NIOCore
import Node
import Synchronization
import TestSupport
import Transport
import XCTest

/// Three ``ClockSyncService``s over an in-memory control lane, each on its own `ManualClock` (raw
/// clocks seconds apart), stepped together in 250 µs rounds with a one-round delay each way. A packet is
/// written (and arrives) one round after it was sent; a node's service may lag its hop behind the arrival
/// (``Network/receiveHops``), and the services may stamp the packets as the transport would
/// (``Network/stamped``: ``ClockSyncService``'s ``PayloadStamper`` at the write and at the arrival).
final class ClockSyncServiceTests: XCTestCase {
    /// The simulated network and the services' shared view of who leads.
    final class Network: Sendable {
        struct Packet {
            var from: String
            var to: String
            var payload: ByteBuffer
            /// The receiver's arrival stamp, when stamped.
            var stamp: Int64? = nil
            /// Rounds until the receiving service gets it.
            var hop = 0
        }

        let leader = Mutex<String?>(nil)
        let inFlight = Mutex<[Packet]>([])
        /// Arrived, waiting for the receiving service's hop.
        let arrived = Mutex<[Packet]>([])
        let alive = Mutex<Set<String>>([])
        /// Rounds each node's service lags behind its socket (a busy task).
        let receiveHops = Mutex<[String: Int]>([:])
        /// Whether packets are stamped where they are written and where they arrive.
        let stamped = Mutex(false)

        func take() -> [Packet] { inFlight.withLock { packets in defer { packets = [] }; return packets } }
    }

    let round: Duration = .microseconds(250)
    let starts: [String: Duration] = ["n1": .seconds(100), "n2": .milliseconds(3_700), "n3": .seconds(50)]

    func makeServices(_ network: Network) -> (services: [String: ClockSyncService], clocks: [String: ManualClock]) {
        var services: [String: ClockSyncService] = [:]
        var clocks: [String: ManualClock] = [:]
        let ids = starts.keys.sorted()
        network.alive.withLock { $0 = Set(ids) }
        for id in ids {
            let clock = ManualClock(start: starts[id]!)
            clocks[id] = clock
            services[id] = ClockSyncService(
                node: id, peers: ids.filter { $0 != id }, localClock: clock, pollInterval: .milliseconds(50),
                logger: Logger(label: "test"),
                send: { peer, payload in
                    guard network.alive.withLock({ $0.contains(id) }) else { return false }
                    network.inFlight.withLock { $0.append(.init(from: id, to: peer, payload: payload)) }
                    return true
                })
        }
        return (services, clocks)
    }

    /// Advances every clock by `duration`, one round at a time: packets sent in a round arrive in
    /// the next (250 µs each way), then every live node steps.
    func run(
        _ duration: Duration, _ network: Network, _ services: [String: ClockSyncService], _ clocks: [String: ManualClock]
    ) {
        for _ in 0..<Int(duration / round) {
            for clock in clocks.values { clock.advance(by: round) }
            let alive = network.alive.withLock { $0 }
            let stamped = network.stamped.withLock { $0 }
            let hops = network.receiveHops.withLock { $0 }
            for var packet in network.take() where alive.contains(packet.to) {
                if stamped {
                    _ = services[packet.from]!.stampOutgoing(&packet.payload, to: packet.to, lane: .control)
                    packet.stamp = services[packet.to]!.stampIncoming(packet.payload, from: packet.from, lane: .control)
                }
                packet.hop = hops[packet.to] ?? 0
                network.arrived.withLock { $0.append(packet) }
            }
            let due = network.arrived.withLock { arrived -> [Network.Packet] in
                let due = arrived.filter { $0.hop == 0 }
                arrived = arrived.filter { $0.hop > 0 }.map { var packet = $0; packet.hop -= 1; return packet }
                return due
            }
            for packet in due where alive.contains(packet.to) {
                services[packet.to]!.receive(packet.payload, from: packet.from, arrivedAt: packet.stamp.map { Duration.nanoseconds($0) })
            }
            // What the Raft loop's leader events would tell each node.
            let leader = network.leader.withLock { $0 }
            for (id, service) in services { service.leadershipChanged(.init(leader: leader, isSelf: leader == id)) }
            for id in alive.sorted() { services[id]!.step() }
        }
    }

    func testFollowersSynchronizeAndALeaderChangeKeepsTheTimeline() throws {
        let network = Network()
        let (services, clocks) = makeServices(network)
        network.leader.withLock { $0 = "n1" }
        run(.seconds(8), network, services, clocks)

        // n1 found no timeline among its peers within 1 s and defined it: cluster time = its raw clock.
        let leader = services["n1"]!.status
        XCTAssertTrue(leader.isTimekeeper)
        XCTAssertEqual(leader.offsetNanoseconds, 0)
        for id in ["n2", "n3"] {
            let status = services[id]!.status
            XCTAssertTrue(status.synchronized, id)
            XCTAssertEqual(status.server, "n1")
            let trueOffset = (starts["n1"]! - starts[id]!).wholeNanoseconds
            let error = try XCTUnwrap(status.offsetNanoseconds) - trueOffset
            let bound = try XCTUnwrap(status.errorBoundNanoseconds)
            XCTAssertLessThanOrEqual(abs(error), bound, "\(id): error \(error) ns within the bound")
            XCTAssertLessThan(bound, 1_000_000, "\(id): bound under 1 ms")
            XCTAssertGreaterThanOrEqual(status.acceptedSamples, 25, id)
        }

        // n1 dies; n2 leads. Its cluster time runs on without a jump; n3 follows n2.
        let before = try XCTUnwrap(services["n2"]!.clusterNow())
        network.alive.withLock { _ = $0.remove("n1") }
        network.leader.withLock { $0 = "n2" }
        run(.seconds(6), network, services, clocks)
        let after = try XCTUnwrap(services["n2"]!.clusterNow())
        XCTAssertLessThan(abs((after - before - .seconds(6)).wholeNanoseconds), 10_000, "no jump at the handover")
        XCTAssertTrue(services["n2"]!.status.isTimekeeper)
        let follower = services["n3"]!.status
        XCTAssertEqual(follower.server, "n2")
        let n3Now = try XCTUnwrap(services["n3"]!.clusterNow())
        let bound = try XCTUnwrap(follower.errorBoundNanoseconds)
        XCTAssertLessThanOrEqual(abs((n3Now - after).wholeNanoseconds), bound + 1)
        XCTAssertLessThan(bound, 1_000_000)
        for id in ["n2", "n3"] { XCTAssertEqual(services[id]!.status.steps, 0, "\(id) never stepped") }
    }

    /// The leader's service lags 2 ms behind its socket (8 rounds): without stamps every probe's t1 is 2 ms
    /// late and each follower's estimate 1 ms off (within its bound: the delay grows by as much); with the
    /// transport's stamps (at the write and at the arrival) the lag is out of the exchange and the estimate exact.
    func testStampsWhereTheBytesMeetTheSocketLeaveTheServicesLagOut() throws {
        for stamped in [false, true] {
            let network = Network()
            network.stamped.withLock { $0 = stamped }
            network.receiveHops.withLock { $0 = ["n1": 8] }
            let (services, clocks) = makeServices(network)
            network.leader.withLock { $0 = "n1" }
            run(.seconds(8), network, services, clocks)
            for id in ["n2", "n3"] {
                let status = services[id]!.status
                let error = try XCTUnwrap(status.offsetNanoseconds) - (starts["n1"]! - starts[id]!).wholeNanoseconds
                let bound = try XCTUnwrap(status.errorBoundNanoseconds)
                XCTAssertLessThanOrEqual(abs(error), bound, "\(id), stamped \(stamped)")
                if stamped {
                    XCTAssertLessThan(abs(error), 2_000, "\(id): \(error) ns")
                } else {
                    XCTAssertEqual(Double(error), 1_000_000, accuracy: 50_000, "\(id): \(error) ns")
                }
            }
        }
    }

    func testUndecodableAndUnexpectedMessagesChangeNothing() throws {
        let network = Network()
        let (services, clocks) = makeServices(network)
        network.leader.withLock { $0 = "n1" }
        run(.seconds(2), network, services, clocks)
        let follower = services["n2"]!
        let before = follower.status
        follower.receive(ByteBuffer(bytes: [ClockSyncCodec.format, 9, 1, 2]), from: "n1")
        follower.receive(ByteBuffer(bytes: []), from: "n1")
        // A response nobody asked for, from the right server.
        follower.receive(
            ClockSyncCodec.encode(.response(ClockSyncResponse(
                id: 999_999, clientSend: .seconds(1), serverReceive: ClusterTime(nanoseconds: 1),
                serverSend: ClusterTime(nanoseconds: 1), serverErrorBound: .zero))),
            from: "n1")
        let after = follower.status
        XCTAssertEqual(after.acceptedSamples, before.acceptedSamples)
        XCTAssertEqual(after.droppedResponses, before.droppedResponses + 1)
        XCTAssertEqual(after.offsetNanoseconds, before.offsetNanoseconds)
    }

    /// The peers follow the member directory (``ClockSyncService/setPeers(_:)``): a new leader without a
    /// timeline asks the peers it has now; with none it defines the timeline at once.
    func testANewLeaderAsksThePeersItWasLastGiven() {
        for peers in [[], ["kitchen"]] {
            let sent = Mutex<[String]>([])
            let service = ClockSyncService(
                node: "n1", peers: [], localClock: ManualClock(start: .seconds(10)), pollInterval: .milliseconds(50),
                logger: Logger(label: "test"),
                send: { peer, _ in
                    sent.withLock { $0.append(peer) }
                    return true
                })
            service.setPeers(peers)
            XCTAssertEqual(service.peers, peers)
            service.leadershipChanged(.init(leader: "n1", isSelf: true))
            service.step()
            XCTAssertEqual(sent.withLock { $0 }, peers, "probes to the peers it has")
            XCTAssertEqual(service.status.isTimekeeper, peers.isEmpty)
        }
    }

    /// The running service sleeps until its next probe (here: a poll interval of a minute and no server), and a
    /// leadership change wakes it at once: the probe to the new leader goes out without waiting for the poll.
    func testARunningServiceProbesANewLeaderAtOnce() async throws {
        let sent = Mutex<[String]>([])
        let service = ClockSyncService(
            node: "n2", peers: ["n1"], localClock: SystemMonotonicClock(), pollInterval: .seconds(60),
            logger: Logger(label: "test"),
            send: { peer, _ in
                sent.withLock { $0.append(peer) }
                return true
            })
        let run = Task { try await service.run() }
        defer { run.cancel() }
        let clock = ContinuousClock()
        let told = clock.now
        service.leadershipChanged(.init(leader: "n1", isSelf: false))
        try await eventually("a probe to the new leader") { sent.withLock { $0 }.first == "n1" ? true : nil }
        XCTAssertLessThan(clock.now - told, .seconds(5), "not after the minute-long poll")
        run.cancel()
        _ = try? await run.value
    }
}
