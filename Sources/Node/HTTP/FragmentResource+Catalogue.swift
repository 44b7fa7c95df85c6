import Broadcast
import RaftcastClient

extension FragmentResource {
    /// The resource for a committed `fragment`.
    public init(_ fragment: CatalogueFragment) {
        self.init(
            index: fragment.index, startSeconds: fragment.startSeconds, durationSeconds: fragment.durationSeconds,
            bytes: fragment.byteCount, keyframe: fragment.startsWithKeyframe, logIndex: fragment.logIndex,
            hash: CatalogueHash.hex(fragment.hash))
    }
}
