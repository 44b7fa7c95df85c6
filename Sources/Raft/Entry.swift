/// Identifies a member of the cluster. `0` is reserved for "nobody"
/// (no vote cast, no leader known).
public typealias NodeID = UInt64

extension NodeID {
    /// The reserved id meaning "no node".
    public static let none: NodeID = 0
}

/// What an ``Entry`` carries.
public enum EntryKind: UInt8, Sendable, Hashable, CaseIterable {
    /// Application data (an empty normal entry is the no-op a new leader appends).
    case normal = 0
    /// A membership change: `data` is an encoded ``ConfChange``.
    case confChange = 1
}

/// One record of the replicated log.
///
/// `data` is an `Array`, so copies share storage: passing an entry through
/// the core, into `Ready`, and to storage never copies a multi-megabyte payload.
public struct Entry: Sendable, Hashable {
    public var term: UInt64
    public var index: UInt64
    public var kind: EntryKind
    public var data: [UInt8]

    public init(term: UInt64, index: UInt64, kind: EntryKind = .normal, data: [UInt8] = []) {
        self.term = term
        self.index = index
        self.kind = kind
        self.data = data
    }

    /// Bytes this entry counts for in flow control: its payload plus a fixed
    /// allowance for the header, so that empty entries are not free.
    @inlinable
    public var accountedSize: UInt64 { UInt64(data.count) + Entry.headerAllowance }

    /// The per-entry overhead used by ``accountedSize``.
    public static let headerAllowance: UInt64 = 24
}
