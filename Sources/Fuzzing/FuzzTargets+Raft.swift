import NIOCore
import Node
import Raft

extension FuzzTargets {
    /// Node's Raft message codec: decode; an accepted message is canonical (re-encodes to the input's bytes,
    /// `encodedSize(of:)` of them).
    static func raftMessage(_ material: FuzzMaterial) -> FuzzTarget {
        let record = material.fragments[0].first?.encoded() ?? [1, 2, 3]
        let messages: [Message] = [
            Message(
                type: .appendEntries, from: 1, to: 2, term: 7, logTerm: 6, index: 41,
                entries: [
                    Entry(term: 7, index: 42, kind: .normal, data: record),
                    Entry(term: 7, index: 43, kind: .confChange, data: ConfChange(.addLearner, node: 4).encoded),
                    Entry(term: 7, index: 44, kind: .normal, data: []),
                ],
                commit: 40),
            Message(type: .appendResponse, from: 2, to: 1, term: 7, logTerm: 5, index: 30, reject: true, rejectHint: 29),
            Message(type: .requestVote, from: 3, to: 1, term: 8, logTerm: 7, index: 44),
            Message(type: .preVoteResponse, from: 1, to: 3, term: 8, reject: true),
            Message(type: .heartbeat, from: 1, to: 3, term: 7, commit: 40, context: 0xDEAD_BEEF),
            Message(type: .timeoutNow, from: 1, to: 2, term: 7),
            Message(
                type: .installSnapshot, from: 1, to: 4, term: 9,
                snapshot: Snapshot(
                    metadata: SnapshotMetadata(index: 100, term: 9, confState: ConfState(voters: [1, 2, 3], learners: [4])),
                    data: Array(record.prefix(200)))),
        ]
        let seeds = messages.map { message in
            FuzzSeed(name: "\(message.type)", bytes: Array(buffer: RaftMessageCodec.encode(message)), fields: raftLayout(message).fields)
        }
        return FuzzTarget(
            name: "raft-message", summary: "Node Raft message codec: RaftMessageCodec.decode", seeds: seeds,
            check: { input throws(FuzzViolation) in
                let message: Message
                do throws(RaftMessageCodecError) {
                    message = try RaftMessageCodec.decode(input)
                } catch {
                    return .rejected
                }
                try FuzzViolation.require(
                    RaftMessageCodec.encodedSize(of: message) == input.count,
                    "encodedSize \(RaftMessageCodec.encodedSize(of: message)) for a message of \(input.count) bytes")
                let again = Array(buffer: RaftMessageCodec.encode(message))
                try FuzzViolation.require(again == input, "an accepted message re-encodes to other bytes")
                _ = (message.payloadSize, RaftMessageCodec.lane(for: message))
                return .accepted
            })
    }

    /// The fields of `RaftMessageCodec.encode(message)`.
    static func raftLayout(_ message: Message) -> FuzzLayout {
        var l = FuzzLayout()
        l.fields(3, 1)  // version, type, flags
        l.fields(8, 8)
        l.field(4, .length)
        for entry in message.entries {
            l.fields(2, 8)
            l.field(1)
            l.blob(prefixWidth: 4, entry.data.count)
        }
        if let snapshot = message.snapshot {
            l.fields(2, 8)
            for ids in [snapshot.metadata.confState.voters, snapshot.metadata.confState.learners] {
                l.field(4, .length)
                l.fields(ids.count, 8)
            }
            l.blob(prefixWidth: 4, snapshot.data.count)
        }
        return l
    }
}
