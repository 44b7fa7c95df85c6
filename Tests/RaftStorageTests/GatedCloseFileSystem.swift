import Foundation
import Raft
import RaftStorage

/// A ``FileSystem`` that forwards to another and holds every file's `close()` until ``open()`` is
/// called (at most ``holdLimit`` seconds), recording which closes were asked for and whether they ran on the thread that asked for
/// the gate (to show that a close happens off the caller's thread).
final class GatedCloseFileSystem: FileSystem, @unchecked Sendable {
    private let base: any FileSystem
    private let condition = NSCondition()
    private var isOpen = false
    private var closedPaths: [String] = []
    private var closedOnCaller: [String] = []
    /// The thread whose closes are recorded in ``closesOnCallerThread``.
    private let callerThread = Thread.current
    /// The longest a close is held.
    static let holdLimit: TimeInterval = 5

    init(_ base: any FileSystem) { self.base = base }

    /// Lets the held closes (and every later one) through.
    func open() {
        condition.lock()
        isOpen = true
        condition.broadcast()
        condition.unlock()
    }

    /// Paths whose close has returned.
    var closed: [String] { condition.withLock { closedPaths } }

    /// Paths closed on the thread that created the file system.
    var closesOnCallerThread: [String] { condition.withLock { closedOnCaller } }

    fileprivate func close(_ file: any StorageFile) {
        let onCaller = Thread.current == callerThread
        // Bounded: a close on the caller's thread (the behaviour under test gone) fails the test, not hangs it.
        let deadline = Date(timeIntervalSinceNow: GatedCloseFileSystem.holdLimit)
        condition.lock()
        while !isOpen && condition.wait(until: deadline) {}
        condition.unlock()
        file.close()
        condition.withLock {
            closedPaths.append(file.path)
            if onCaller { closedOnCaller.append(file.path) }
        }
    }

    func open(_ path: String) throws(FileSystemError) -> any StorageFile { GatedFile(try base.open(path), gate: self) }
    func create(_ path: String) throws(FileSystemError) -> any StorageFile { GatedFile(try base.create(path), gate: self) }
    func rename(_ from: String, to: String) throws(FileSystemError) { try base.rename(from, to: to) }
    func remove(_ path: String) throws(FileSystemError) { try base.remove(path) }
    func list(_ directory: String) throws(FileSystemError) -> [String] { try base.list(directory) }
    func syncDirectory(_ directory: String) throws(FileSystemError) { try base.syncDirectory(directory) }
    func makeDirectory(_ directory: String) throws(FileSystemError) { try base.makeDirectory(directory) }
    func isDirectory(_ path: String) -> Bool { base.isDirectory(path) }
    func lockFile(_ path: String) throws(FileSystemError) -> FileLock { try base.lockFile(path) }
}

/// A file of ``GatedCloseFileSystem``: everything forwarded, `close()` through the gate.
private final class GatedFile: StorageFile, @unchecked Sendable {
    let file: any StorageFile
    let gate: GatedCloseFileSystem
    init(_ file: any StorageFile, gate: GatedCloseFileSystem) {
        self.file = file
        self.gate = gate
    }
    var path: String { file.path }
    func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(FileSystemError) { try file.write(bytes, at: offset) }
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(FileSystemError) -> Int {
        try file.read(into: buffer, at: offset)
    }
    func size() throws(FileSystemError) -> UInt64 { try file.size() }
    func truncate(to length: UInt64) throws(FileSystemError) { try file.truncate(to: length) }
    func sync() throws(FileSystemError) { try file.sync() }
    func dataSync() throws(FileSystemError) { try file.dataSync() }
    func dropCachedPages(from offset: UInt64, to end: UInt64) { file.dropCachedPages(from: offset, to: end) }
    func close() { gate.close(file) }
}
