import Broadcast
import Logging

extension PlaybackFeedProblem {
    /// Logs the problem as one line on the node's log (the feed skips what it could not hand over).
    func log(to logger: Logger) {
        switch self {
        case let .unplayableStream(stream, reason):
            logger.error("playback: cannot play stream", metadata: ["stream": "\(stream)", "reason": "\(reason)"])
        case let .unreadableFragment(stream, index, reason):
            logger.warning("playback: cannot read a committed fragment", metadata: [
                "stream": "\(stream)", "fragment": "\(index)", "reason": "\(reason)",
            ])
        case let .undecodableFragment(stream, index, reason):
            logger.warning("playback: undecodable fragment record", metadata: [
                "stream": "\(stream)", "fragment": "\(index)", "reason": "\(reason)",
            ])
        case let .fragmentMissing(stream, index, logIndex):
            logger.warning("playback: fragment event without its fragment", metadata: [
                "stream": "\(stream)", "fragment": "\(index)", "log_index": "\(logIndex)",
            ])
        }
    }
}
