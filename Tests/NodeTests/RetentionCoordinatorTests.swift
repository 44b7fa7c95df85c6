import Broadcast
import Raft
import XCTest

@testable import Node

/// The leader's retention decisions without threads: proposals go to a closure, applies are fed back by
/// hand (the loop-level behaviour is `RetentionLoopTests`).
final class RetentionCoordinatorTests: XCTestCase {
    typealias F = CatalogueFixtures

    /// Streams 1…`count` started and ended (no fragments; heard at 5 s, so over at 10 s with the margin),
    /// at log indices 1…2×`count`.
    static func catalogue(_ count: Int) -> Catalogue {
        var catalogue = Catalogue()
        var index: UInt64 = 1
        for n in 1...count {
            let id = StreamID(UInt64(n))
            for entry in [F.streamStart(id), .streamEnded(stream: id, fragmentCount: 0, durationSeconds: 0)] {
                _ = catalogue.apply(entry: entry, at: index, term: 1)
                index += 1
            }
        }
        return catalogue
    }

    /// Cluster time long after every fixture stream played.
    static let later = ClusterTime(nanoseconds: 3_600_000_000_000)

    /// Records the proposals it accepts (at log indices from `next` on) or refuses them with `refusal`.
    final class Proposals {
        var next: UInt64
        var refusal: ProposalError?
        var streams: [StreamID] = []
        var payloads: [[UInt8]] = []

        init(next: UInt64) { self.next = next }

        func propose(_ payload: [UInt8]) -> Result<UInt64, ProposalError> {
            if let refusal { return .failure(refusal) }
            guard case .streamRemoved(let id)? = try? CatalogueEntry(decoding: payload[...]) else {
                XCTFail("not a removal: \(payload.prefix(8))")
                return .failure(.notLeader(leader: nil))
            }
            streams.append(id)
            payloads.append(payload)
            next += 1
            return .success(next - 1)
        }

        /// Applies every recorded proposal to `catalogue` in order, returning the changes.
        func commit(to catalogue: inout Catalogue) -> [CatalogueChange] {
            defer { payloads = [] }
            var index = catalogue.appliedIndex + 1
            var changes: [CatalogueChange] = []
            for payload in payloads {
                if let change = catalogue.applyChange(payload: payload, at: index, term: 2) { changes.append(change) }
                index += 1
            }
            return changes
        }
    }

    func testALeaderDecidesOnceItsTermStartIsAppliedAndKeepsAtMostTwoRemovalsInFlight() {
        var coordinator = RetentionCoordinator(policy: RetentionPolicy(keepStreams: 2))
        var catalogue = Self.catalogue(6)
        let proposals = Proposals(next: 14)
        let t = ContinuousClock.now
        func drive(at instant: ContinuousClock.Instant = t) -> Bool {
            coordinator.drive(
                appliedIndex: catalogue.appliedIndex, catalogue: catalogue, now: Self.later, at: instant, protected: [],
                propose: proposals.propose)
        }
        XCTAssertFalse(drive(), "a follower (never told it leads) proposes nothing")
        coordinator.leadershipGained(firstIndex: 13)
        XCTAssertFalse(drive(), "its term's first entry (13) is not applied yet")
        _ = catalogue.apply(payload: [], at: 13, term: 2)
        XCTAssertTrue(drive())
        XCTAssertEqual(proposals.streams, [1, 2], "oldest first, two at a time")
        XCTAssertEqual(coordinator.inFlightCount, 2)
        XCTAssertFalse(drive(at: t + .seconds(5)), "nothing more while two are in flight")

        // The two apply: they are reported once, and the next two go.
        let done = coordinator.committed(proposals.commit(to: &catalogue), appliedIndex: catalogue.appliedIndex)
        XCTAssertEqual(done.map(\.removal.stream), [1, 2])
        XCTAssertEqual(done.map(\.name), ["s\(StreamID(1))", "s\(StreamID(2))"], "names as they were when proposed")
        XCTAssertEqual(done.map(\.logIndex), [14, 15])
        XCTAssertEqual(done.first?.removal.reason, .beyondCount(2))
        XCTAssertTrue(drive(), "an apply makes the policy due at once")
        XCTAssertEqual(proposals.streams, [1, 2, 3, 4])
        XCTAssertEqual(coordinator.committed(proposals.commit(to: &catalogue), appliedIndex: 17).count, 2)
        XCTAssertFalse(drive(), "streams 5 and 6 are kept")
        XCTAssertEqual(catalogue.streams.map(\.id), [5, 6])
        XCTAssertEqual(coordinator.inFlightCount, 0)
    }

    func testTheSlowTimerFindsStreamsThatPlayedOutWithoutAnyApply() {
        var coordinator = RetentionCoordinator(policy: RetentionPolicy(keepStreams: 1), evaluationInterval: .seconds(1))
        let catalogue = Self.catalogue(3)
        let proposals = Proposals(next: 8)
        coordinator.leadershipGained(firstIndex: 6)
        let t = ContinuousClock.now
        func drive(clusterSeconds: Int64, at instant: ContinuousClock.Instant) -> Bool {
            coordinator.drive(
                appliedIndex: catalogue.appliedIndex, catalogue: catalogue,
                now: ClusterTime(nanoseconds: clusterSeconds * 1_000_000_000), at: instant, protected: [],
                propose: proposals.propose)
        }
        XCTAssertFalse(drive(clusterSeconds: 9, at: t), "heard at 5 s: not over until 10 s (5 s margin)")
        XCTAssertFalse(drive(clusterSeconds: 11, at: t + .milliseconds(999)), "not evaluated again before 1 s")
        XCTAssertTrue(drive(clusterSeconds: 11, at: t + .seconds(1)))
        XCTAssertEqual(proposals.streams, [1, 2])
    }

    func testProtectedStreamsRefusalsAndLostLeadership() {
        var coordinator = RetentionCoordinator(policy: RetentionPolicy(keepStreams: 1))
        var catalogue = Self.catalogue(4)
        let proposals = Proposals(next: 9)
        coordinator.leadershipGained(firstIndex: 8)
        let t = ContinuousClock.now
        func drive(protected: Set<StreamID> = [], at instant: ContinuousClock.Instant) -> Bool {
            coordinator.drive(
                appliedIndex: catalogue.appliedIndex, catalogue: catalogue, now: Self.later, at: instant,
                protected: protected, propose: proposals.propose)
        }
        // A protected stream is skipped.
        XCTAssertTrue(drive(protected: [1], at: t))
        XCTAssertEqual(proposals.streams, [2, 3])

        // Deposed: what was in flight is forgotten, and nothing is proposed until it leads again.
        coordinator.leadershipLost()
        XCTAssertEqual(coordinator.inFlightCount, 0)
        XCTAssertFalse(drive(at: t + .seconds(10)))
        proposals.payloads = []  // its proposals were lost with the term

        // Leading again, the core refuses (full): tried again at the next evaluation.
        coordinator.leadershipGained(firstIndex: 9)
        _ = catalogue.apply(payload: [], at: 9, term: 3)
        proposals.refusal = .uncommittedSizeExceeded
        XCTAssertFalse(drive(at: t + .seconds(20)))
        XCTAssertEqual(coordinator.inFlightCount, 0)
        proposals.refusal = nil
        XCTAssertTrue(drive(at: t + .seconds(21)))
        XCTAssertEqual(proposals.streams, [2, 3, 1, 2])

        // Stream 1 is removed by someone else first (an operator's DELETE): this node's removal of it
        // applies as ignored and is no longer in flight once applied; stream 2's counts.
        let other = CatalogueEntry.streamRemoved(stream: 1).encoded()
        var changes = [catalogue.applyChange(payload: other, at: 10, term: 3)!]
        changes += proposals.commit(to: &catalogue)
        let done = coordinator.committed(changes.filter(\.event.changedCatalogue), appliedIndex: catalogue.appliedIndex)
        XCTAssertEqual(done.map(\.removal.stream), [2], "only the removal this node's own entry made")
        XCTAssertEqual(coordinator.inFlightCount, 0)
        XCTAssertTrue(drive(at: t + .seconds(22)))
        XCTAssertEqual(proposals.streams.last, 3)
    }

    func testRetentionThatKeepsEverythingNeverProposes() {
        var coordinator = RetentionCoordinator(policy: .keepEverything)
        let catalogue = Self.catalogue(5)
        coordinator.leadershipGained(firstIndex: 1)
        let proposals = Proposals(next: 11)
        XCTAssertFalse(coordinator.isEnabled)
        XCTAssertFalse(
            coordinator.drive(
                appliedIndex: 10, catalogue: catalogue, now: Self.later, at: .now, protected: [],
                propose: proposals.propose))
        XCTAssertEqual(proposals.streams, [])
    }
}
