import RaftStorage
import RaftcastClient

/// The file that says this node was removed from the cluster: `data_dir/removed`, written durably when the
/// node applies the membership change that removes it. A node refuses to start while it exists
/// (``NodeStartRefusal/removed(directory:detail:)``): its log, vote and term belong to a membership it is no
/// longer part of, and only a fresh data directory (after `raftcast members add`) may rejoin.
///
/// Written like the log-loss marker (a temporary name, sync, rename, directory sync). One line of text;
/// its content is only shown to the operator (the file's presence is what counts):
///
/// ```
///  removed <member id> at log index <n> in term <t>\n
///  e.g. "removed kitchen at log index 1234 in term 7\n"   (at most 256 bytes read back)
/// ```
public enum RemovedMarker {
    /// The marker's file name in the data directory.
    public static let fileName = "removed"
    /// The most bytes of the marker read back.
    public static let maxBytes = 256

    /// The line written for member `id` removed by the change at `index` in `term`.
    public static func line(member id: String, index: UInt64, term: UInt64) -> String {
        "removed \(id) at log index \(index) in term \(term)"
    }

    /// Writes the marker durably into `directory`.
    public static func record(
        member id: String, index: UInt64, term: UInt64, in directory: String,
        fileSystem: any FileSystem = POSIXFileSystem()
    ) throws(FileSystemError) {
        let path = directory + "/" + fileName
        let temporary = path + ".tmp"
        if try fileSystem.list(directory).contains(fileName + ".tmp") { try fileSystem.remove(temporary) }
        let file = try fileSystem.create(temporary)
        defer { file.close() }
        try file.write(Array((line(member: id, index: index, term: term) + "\n").utf8), at: 0)
        try file.sync()
        try fileSystem.rename(temporary, to: path)
        try fileSystem.syncDirectory(directory)
    }

    /// The marker's line (escaped for one log line) when `directory` holds one, else nil.
    public static func read(in directory: String, fileSystem: any FileSystem = POSIXFileSystem()) throws(FileSystemError) -> String? {
        guard fileSystem.isDirectory(directory), try fileSystem.list(directory).contains(fileName) else { return nil }
        let file = try fileSystem.open(directory + "/" + fileName)
        defer { file.close() }
        let bytes = try file.read(count: maxBytes, at: 0)
        let text = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        return UntrustedText.escaped(text)
    }
}
