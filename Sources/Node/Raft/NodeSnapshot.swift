import Broadcast

/// The snapshot data of the node's state machine: the applied-entries summary (``AppliedState``) and the
/// replicated catalogue (``Broadcast/Catalogue``), both as of the snapshot's log index.
///
/// ```
///  0                 8                                 40
///  +-----------------+---------------------------------+------------------------------------+
///  | magic           | applied summary (32 bytes,      | catalogue snapshot ("RCCS", rest   |
///  | "RCNS1\0\0\0"   |  AppliedState.snapshotData)     |  of the data, docs/catalogue.md)   |
///  +-----------------+---------------------------------+------------------------------------+
/// ```
/// Fragment bytes are not in it: they stay in the log from the catalogue's retained floor on, and the
/// node only snapshots at indices below that floor (``CatalogueSnapshotHistory``).
public struct NodeSnapshot: Sendable, Hashable {
    /// Magic of the format (8 bytes).
    public static let magic: [UInt8] = Array("RCNS1".utf8) + [0, 0, 0]

    /// The applied-entries summary.
    public var summary: AppliedState
    /// The catalogue.
    public var catalogue: Catalogue

    /// A snapshot of `summary` and `catalogue` (which must reflect the same log index).
    public init(summary: AppliedState, catalogue: Catalogue) {
        self.summary = summary
        self.catalogue = catalogue
    }

    /// The encoded data.
    public func encoded() -> [UInt8] {
        Self.magic + summary.snapshotData + catalogue.snapshot()
    }

    /// Decodes snapshot data taken at log `index`.
    /// - Throws: ``AppliedStateError`` naming what is wrong.
    public init(decoding data: [UInt8], index: UInt64) throws(AppliedStateError) {
        let summaryEnd = Self.magic.count + AppliedState.snapshotDataSize
        guard data.count > summaryEnd, Array(data[0..<Self.magic.count]) == Self.magic else {
            throw AppliedStateError(reason: "snapshot data is not a raftcast node snapshot (\(data.count) bytes)")
        }
        var summary = AppliedState()
        try summary.restore(snapshotData: Array(data[Self.magic.count..<summaryEnd]), index: index)
        let catalogue: Catalogue
        do throws(CatalogueDecodingError) {
            catalogue = try Catalogue(snapshot: Array(data[summaryEnd...]))
        } catch {
            throw AppliedStateError(reason: "catalogue in snapshot: \(error)")
        }
        guard catalogue.appliedIndex == index else {
            throw AppliedStateError(
                reason: "catalogue in snapshot is at index \(catalogue.appliedIndex), the snapshot at \(index)")
        }
        self.summary = summary
        self.catalogue = catalogue
    }
}
