import Foundation

/// A tmpfs of a few pages mounted over a test's folder, to make a disk fill up for real
/// (`mount -t tmpfs -o size=…,mode=0700`; needs root and mount(2)).
/// ```swift
/// guard let disk = try SmallFilesystem.mount(at: folder, size: "64k") else { throw XCTSkip(…) }
/// defer { disk.unmount() }
/// ```
public struct SmallFilesystem: Sendable {
    /// The mount point.
    public let path: String

    /// Mounts a tmpfs of `size` (mount's syntax: `64k`, `3m`) at `path`, creating the folder. Nil
    /// when this machine does not allow it, with the reason in `whyNot`.
    public static func mount(at path: String, size: String, whyNot: inout String) throws -> SmallFilesystem? {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let run = try ToolProcess.run("mount", ["-t", "tmpfs", "-o", "size=\(size),mode=0700", "tmpfs", path], timeout: 20)
        guard run.status == 0 else {
            whyNot = "cannot mount a tmpfs here (root and mount(2) are needed): "
                + run.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)
            return nil
        }
        return SmallFilesystem(path: path)
    }

    /// Unmounts it (lazily, so an open file cannot keep it).
    public func unmount() {
        _ = try? ToolProcess.run("umount", ["-l", path], timeout: 20)
    }

    /// Fills it with `<path>/filler` until at most `leaving` bytes are free; returns the filler's path.
    @discardableResult
    public func fill(leaving: UInt64) throws -> String {
        let filler = path + "/filler"
        guard FileManager.default.createFile(atPath: filler, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: filler])
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
        defer { try? handle.close() }
        let page = Data(count: 4_096)
        while try available() > leaving {
            do { try handle.write(contentsOf: page) } catch { break }
        }
        return filler
    }

    /// Bytes free for an unprivileged writer.
    public func available() throws -> UInt64 {
        let attributes = try FileManager.default.attributesOfFileSystem(forPath: path)
        return (attributes[.systemFreeSize] as? NSNumber)?.uint64Value ?? 0
    }
}
