import Raft
import Transport

extension RaftMessageCodec {
    /// The transport lane `message` travels on: ``Lane/bulk`` for entries and
    /// snapshots, ``Lane/control`` for heartbeats, votes and responses, so that
    /// the latter never wait behind fragment data.
    public static func lane(for message: Message) -> Lane {
        message.type.isControl ? .control : .bulk
    }
}
