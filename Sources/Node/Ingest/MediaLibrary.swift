import Broadcast
import Crypto
import Foundation

/// The media library (`media_dir`): the same files on every node, so a new leader can resume cutting a stream
/// by itself. A file matches a stream's source only by size and SHA-256, never by name alone.
///
/// Not `Sendable`: it caches hashes; the Raft loop thread owns it.
public final class MediaLibrary {
    /// The library's folder (absolute).
    public let directory: String
    private var hashes: [String: (size: UInt64, modified: Date, sha256: [UInt8])] = [:]

    /// A library at `directory`.
    public init(directory: String) { self.directory = directory }

    /// The path of `relativePath` inside the library, nil when it escapes the folder or is not a regular file.
    public func path(of relativePath: String) -> String? {
        guard !relativePath.isEmpty, !relativePath.hasPrefix("/"),
            !relativePath.split(separator: "/").contains("..")
        else { return nil }
        let path = (directory as NSString).appendingPathComponent(relativePath)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            return nil
        }
        return path
    }

    /// The library file whose content is `source` (same size and SHA-256): first `source.fileName` inside the
    /// library, then any file of the same size. Nil when none matches.
    public func file(matching source: CatalogueSource) -> String? {
        if let path = path(of: source.fileName), sha256(ofFileAt: path, size: source.size) == source.sha256 {
            return path
        }
        guard let names = FileManager.default.enumerator(atPath: directory) else { return nil }
        for case let name as String in names {
            guard let path = path(of: name), sha256(ofFileAt: path, size: source.size) == source.sha256 else { continue }
            return path
        }
        return nil
    }

    /// The SHA-256 of the file at `path` when its size is `size` (nil otherwise, or unreadable); cached by
    /// size and modification time.
    private func sha256(ofFileAt path: String, size: UInt64) -> [UInt8]? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let fileSize = (attributes[.size] as? NSNumber)?.uint64Value, fileSize == size,
            let modified = attributes[.modificationDate] as? Date
        else { return nil }
        if let cached = hashes[path], cached.size == size, cached.modified == modified { return cached.sha256 }
        guard let digest = try? Self.sha256(ofFileAt: path) else { return nil }
        hashes[path] = (size, modified, digest)
        return digest
    }

    /// The SHA-256 of a file's content, read in 1 MiB blocks.
    public static func sha256(ofFileAt path: String) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let block = try handle.read(upToCount: 1 << 20), !block.isEmpty { hasher.update(data: block) }
        return Array(hasher.finalize())
    }
}
