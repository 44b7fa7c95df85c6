#if DEBUG
import Synchronization

/// Debug builds only: how many fragment records this process has decoded (``Fragment/init(decoding:)``,
/// valid or not), so tests can show that a committed fragment is decoded once per node.
public enum FragmentDecodeCounter {
    static let count = Atomic<Int>(0)

    /// Records decoded so far.
    public static var decoded: Int { count.load(ordering: .relaxed) }
}
#endif
