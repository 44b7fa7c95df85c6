import Raft

/// The snapshot file format (version 1), written to a temporary name, synced,
/// renamed to `snap-<index>-<term>.snap`, and the directory synced.
///
///     offset  size     field
///     +------+--------+---------------------------------------------+
///     |    0 |      8 | magic "RCWALSNP"                            |
///     |    8 |      4 | format version (u32 LE) = 1                 |
///     |   12 |      4 | voter count V (u32 LE)                      |
///     |   16 |      4 | learner count L (u32 LE)                    |
///     |   20 |      4 | reserved = 0                                |
///     |   24 |      8 | index (u64 LE)                              |
///     |   32 |      8 | term (u64 LE)                               |
///     |   40 |      8 | data length D (u64 LE)                      |
///     |   48 | 8(V+L) | voter ids, then learner ids (u64 LE)        |
///     |      |      D | snapshot data                               |
///     |      |      4 | CRC-32C of every byte before it             |
///     +------+--------+---------------------------------------------+
public enum SnapshotFile {
    /// Size of the fixed part of the header.
    public static let fixedHeaderSize = 48

    /// The bytes of a snapshot file.
    public static func encode(_ snapshot: Snapshot) -> [UInt8] {
        let conf = snapshot.metadata.confState
        var out = WALFormat.snapshotMagic
        out.reserveCapacity(fixedHeaderSize + 8 * conf.members.count + snapshot.data.count + 4)
        out.appendLE(WALFormat.version)
        out.appendLE(UInt32(conf.voters.count))
        out.appendLE(UInt32(conf.learners.count))
        out.appendLE(UInt32(0))
        out.appendLE(snapshot.metadata.index)
        out.appendLE(snapshot.metadata.term)
        out.appendLE(UInt64(snapshot.data.count))
        for id in conf.voters { out.appendLE(id) }
        for id in conf.learners { out.appendLE(id) }
        out.append(contentsOf: snapshot.data)
        out.appendLE(CRC32C.checksum(out))
        return out
    }

    /// Writes a snapshot file durably: a temporary name, sync, rename, directory
    /// sync; then removes older snapshot files (best-effort) and syncs the directory again.
    public static func save(_ snapshot: Snapshot, in directory: String, fileSystem: any FileSystem) throws(FileSystemError) {
        let name = WALFormat.snapshotName(index: snapshot.metadata.index, term: snapshot.metadata.term)
        let path = joinPath(directory, name)
        let temporary = path + ".tmp"
        if try fileSystem.list(directory).contains(name + ".tmp") { try fileSystem.remove(temporary) }
        let file = try fileSystem.create(temporary)
        defer { file.close() }
        try file.write(encode(snapshot), at: 0)
        try file.sync()
        try fileSystem.rename(temporary, to: path)
        try fileSystem.syncDirectory(directory)
        // The new snapshot is in place. Removing older ones is best-effort: one left
        // behind is harmless (the newest counts) and goes with the next snapshot.
        let older = ((try? fileSystem.list(directory)) ?? []).filter { n in
            WALFormat.snapshotPosition(n).map { $0.index < snapshot.metadata.index } ?? false
        }
        var removed = false
        for n in older where (try? fileSystem.remove(joinPath(directory, n))) != nil { removed = true }
        if removed { try? fileSystem.syncDirectory(directory) }
    }

    /// Decodes a snapshot file; the error names the offset and what is wrong.
    public static func decode(_ bytes: [UInt8]) -> Result<Snapshot, SnapshotProblem> {
        bytes.withUnsafeBytes { raw -> Result<Snapshot, SnapshotProblem> in
            guard raw.count >= fixedHeaderSize + 4 else { return .failure(SnapshotProblem(offset: 0, reason: "file too short (\(raw.count) bytes)")) }
            guard Array(bytes[0..<8]) == WALFormat.snapshotMagic else { return .failure(SnapshotProblem(offset: 0, reason: "not a raftcast snapshot (bad magic)")) }
            let version = raw.loadLE(UInt32.self, at: 8)
            guard version == WALFormat.version else { return .failure(SnapshotProblem(offset: 8, reason: "unsupported format version \(version)")) }
            let voters = Int(raw.loadLE(UInt32.self, at: 12)), learners = Int(raw.loadLE(UInt32.self, at: 16))
            let dataLength = raw.loadLE(UInt64.self, at: 40)
            let expected = UInt64(fixedHeaderSize) + 8 * UInt64(voters + learners) + dataLength + 4
            guard expected == UInt64(raw.count) else {
                return .failure(SnapshotProblem(offset: 40, reason: "size \(raw.count) does not match the header (expected \(expected))"))
            }
            let stored = raw.loadLE(UInt32.self, at: raw.count - 4)
            let computed = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<raw.count - 4]))
            guard stored == computed else {
                return .failure(SnapshotProblem(offset: UInt64(raw.count - 4), reason: "CRC mismatch (stored \(hex32(stored)), computed \(hex32(computed)))"))
            }
            var ids: [UInt64] = []
            for i in 0..<(voters + learners) { ids.append(raw.loadLE(UInt64.self, at: fixedHeaderSize + 8 * i)) }
            let dataStart = fixedHeaderSize + 8 * ids.count
            let meta = SnapshotMetadata(
                index: raw.loadLE(UInt64.self, at: 24), term: raw.loadLE(UInt64.self, at: 32),
                confState: ConfState(voters: Array(ids[0..<voters]), learners: Array(ids[voters...])))
            return .success(Snapshot(metadata: meta, data: Array(bytes[dataStart..<(dataStart + Int(dataLength))])))
        }
    }
}

/// Why bytes are not a valid snapshot file.
public struct SnapshotProblem: Error, Sendable, Hashable {
    public var offset: UInt64
    public var reason: String
}
