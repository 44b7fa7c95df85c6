import Broadcast
import RaftcastClient

extension RetentionPolicy {
    /// The policy `cluster.retention` describes.
    init(_ retention: ClusterConfig.Retention) {
        self.init(keepStreams: retention.keepStreams, keepAge: retention.keepHours.map { .seconds($0 * 3600) })
    }
}
