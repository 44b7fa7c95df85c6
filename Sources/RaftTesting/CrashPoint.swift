/// Where in its Ready handling a node loses power.
public enum CrashPoint: Sendable, Hashable, CaseIterable {
    /// Right away, between two events (every Ready so far fully handled).
    case now
    /// After `ready()`, before anything of it is written: the Ready is lost.
    case beforePersist
    /// After the Ready's snapshot, entries and hard state are written but
    /// before the sync: what survives depends on the storage (MemoryStorage
    /// keeps it all; the durable log loses the unsynced tail). Safe either
    /// way, as none of the Ready's messages left.
    case duringPersist
    /// After its entries and hard state are synced, before its messages go out.
    case afterPersist
    /// After its messages are sent, before it is applied and advanced.
    case afterSend
}
