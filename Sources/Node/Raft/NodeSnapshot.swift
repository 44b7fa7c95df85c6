import Broadcast
import RaftcastClient

/// The snapshot data of the node's state machine: the applied-entries summary (``AppliedState``), the
/// member directory (``MemberDirectory``) and the replicated catalogue (``Broadcast/Catalogue``), all as
/// of the snapshot's log index.
///
/// Version 2 (written):
/// ```
///  0                 8                     40       44                 44+n
///  +-----------------+---------------------+--------+------------------+-----------------------------+
///  | magic           | applied summary     | n      | member directory | catalogue snapshot ("RCCS", |
///  | "RCNS2\0\0\0"   | (32 bytes)          | (u32)  | (n bytes)        |  rest of the data)          |
///  +-----------------+---------------------+--------+------------------+-----------------------------+
/// ```
/// Version 1 (`"RCNS1\0\0\0"`, read only) has no directory length and directory: the summary is followed
/// by the catalogue. It was written while the membership was fixed by cluster.yaml, so a node restoring
/// one takes its directory from cluster.yaml (``members`` is nil).
///
/// Fragment bytes are not in it: they stay in the log from the catalogue's retained floor on, and the
/// node only snapshots at indices below that floor (``CatalogueSnapshotHistory``).
public struct NodeSnapshot: Sendable, Hashable {
    /// Magic of the format written (8 bytes).
    public static let magic: [UInt8] = Array("RCNS2".utf8) + [0, 0, 0]
    /// Magic of version 1, without a member directory.
    public static let magicVersion1: [UInt8] = Array("RCNS1".utf8) + [0, 0, 0]

    /// The applied-entries summary.
    public var summary: AppliedState
    /// The member directory; nil when restored from a version 1 snapshot.
    public var members: MemberDirectory?
    /// The catalogue.
    public var catalogue: Catalogue

    /// A snapshot of `summary`, `members` and `catalogue` (which must reflect the same log index).
    public init(summary: AppliedState, members: MemberDirectory?, catalogue: Catalogue) {
        self.summary = summary
        self.members = members
        self.catalogue = catalogue
    }

    /// The encoded data (version 2; a nil directory is written as an empty one).
    public func encoded() -> [UInt8] {
        let directory = (members ?? MemberDirectory()).encoded
        var length: [UInt8] = []
        withUnsafeBytes(of: UInt32(directory.count).littleEndian) { length.append(contentsOf: $0) }
        return Self.magic + summary.snapshotData + length + directory + catalogue.snapshot()
    }

    /// Decodes snapshot data (version 2 or 1) taken at log `index`.
    /// - Throws: ``AppliedStateError`` naming what is wrong.
    public init(decoding data: [UInt8], index: UInt64) throws(AppliedStateError) {
        let summaryEnd = Self.magic.count + AppliedState.snapshotDataSize
        let magic = data.count > summaryEnd ? Array(data[0..<Self.magic.count]) : []
        guard magic == Self.magic || magic == Self.magicVersion1 else {
            throw AppliedStateError(reason: "snapshot data is not a raftcast node snapshot (\(data.count) bytes)")
        }
        var summary = AppliedState()
        try summary.restore(snapshotData: Array(data[Self.magic.count..<summaryEnd]), index: index)
        var catalogueStart = summaryEnd
        var members: MemberDirectory?
        if magic == Self.magic {
            guard data.count - summaryEnd >= 4 else { throw AppliedStateError(reason: "snapshot truncated before its member directory") }
            let length = (0..<4).reduce(0) { $0 | Int(data[summaryEnd + $1]) << (8 * $1) }
            let start = summaryEnd + 4
            guard data.count - start >= length else {
                throw AppliedStateError(reason: "snapshot's member directory of \(length) bytes is truncated")
            }
            do throws(MemberRecordError) {
                members = try MemberDirectory(encoded: data[start..<(start + length)])
            } catch {
                throw AppliedStateError(reason: "member directory in snapshot: \(error)")
            }
            catalogueStart = start + length
        }
        let catalogue: Catalogue
        do throws(CatalogueDecodingError) {
            catalogue = try Catalogue(snapshot: Array(data[catalogueStart...]))
        } catch {
            throw AppliedStateError(reason: "catalogue in snapshot: \(error)")
        }
        guard catalogue.appliedIndex == index else {
            throw AppliedStateError(
                reason: "catalogue in snapshot is at index \(catalogue.appliedIndex), the snapshot at \(index)")
        }
        self.summary = summary
        self.members = members
        self.catalogue = catalogue
    }
}
