/// What ``UploadStore`` needs of the file system: the free space of its folder and files to write. The
/// node uses ``POSIXUploadFileSystem``; tests inject one that fails (`ENOSPC`, `EIO`) at a chosen byte.
public protocol UploadFileSystem: Sendable {
    /// Bytes an unprivileged writer can still allocate on the file system holding `directory`
    /// (`statvfs`: `f_bavail × f_frsize`).
    func availableBytes(in directory: String) throws(UploadIOError) -> UInt64
    /// Creates `path` (which must not exist), mode 0600, open for writing.
    func create(_ path: String) throws(UploadIOError) -> any UploadFileWriter
}
