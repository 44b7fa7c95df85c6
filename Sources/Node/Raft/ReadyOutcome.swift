import Broadcast
import Raft

/// What handling one ``Ready`` did, for the caller's bookkeeping (proposal
/// completion, metrics, logs).
public struct ReadyOutcome: Sendable {
    /// Set when the leader or the role changed.
    public var softState: SoftState?
    /// Set when the term, vote or commit changed.
    public var hardState: HardState?
    /// Entries applied to the state machine, in order.
    public var applied: [Entry] = []
    /// What the applied entries did to the catalogue, in order (entries it ignored included).
    public var catalogueChanges: [CatalogueChange] = []
    /// Set when a snapshot from the leader replaced the catalogue.
    public var catalogueReplaced = false
    /// What applied membership changes did to the member directory, in order (ignored records included).
    public var memberChanges: [MemberDirectoryChange] = []
    /// Set when a snapshot from the leader replaced the member directory.
    public var membersReplaced = false
    /// Duration of the storage sync, when one ran.
    public var syncDuration: Duration?
    /// Set when a snapshot from the leader was installed.
    public var installedSnapshot: SnapshotMetadata?
    /// Set when this node took a snapshot of its applied state (and compacted its log).
    public var tookSnapshot: SnapshotMetadata?
    /// Messages handed to the sender.
    public var sentMessages = 0
    /// Entry and snapshot payload bytes handed to the sender.
    public var sentPayloadBytes: UInt64 = 0

    public init() {}
}
