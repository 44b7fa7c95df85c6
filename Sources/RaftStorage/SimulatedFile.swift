/// A handle on a file of a ``SimulatedFileSystem``.
final class SimulatedFile: StorageFile, @unchecked Sendable {
    let path: String
    private let inode: SimulatedFileSystem.Inode
    private let fs: SimulatedFileSystem
    private let generation: Int

    init(path: String, inode: SimulatedFileSystem.Inode, fs: SimulatedFileSystem, generation: Int) {
        self.path = path
        self.inode = inode
        self.fs = fs
        self.generation = generation
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(FileSystemError) {
        try fs.locked { () throws(FileSystemError) in
            try fs.checkHandle(path, generation)
            fs.bump(\.writes)
            var count = bytes.count
            let fault = fs.firingFault(.write, path)
            if let fault { count = min(count, fault.tornBytes) }
            let start = Int(offset)
            if inode.data.count < start + count {
                inode.data += [UInt8](repeating: 0, count: start + count - inode.data.count)
            }
            inode.data.withUnsafeMutableBytes { dst in
                dst.baseAddress!.advanced(by: start).copyMemory(from: bytes.baseAddress!, byteCount: count)
            }
            if let fault { throw SimulatedFileSystem.error(fault, path) }
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(FileSystemError) -> Int {
        try fs.locked { () throws(FileSystemError) -> Int in
            try fs.checkHandle(path, generation)
            let start = Int(offset)
            guard start < inode.data.count else { return 0 }
            let n = min(buffer.count, inode.data.count - start)
            fs.count(bytesRead: n)
            inode.data.withUnsafeBytes { src in
                buffer.baseAddress!.copyMemory(from: src.baseAddress!.advanced(by: start), byteCount: n)
            }
            return n
        }
    }

    func size() throws(FileSystemError) -> UInt64 {
        try fs.locked { () throws(FileSystemError) -> UInt64 in
            try fs.checkHandle(path, generation)
            return UInt64(inode.data.count)
        }
    }

    func truncate(to length: UInt64) throws(FileSystemError) {
        try fs.locked { () throws(FileSystemError) in
            try fs.checkHandle(path, generation)
            try fs.checkFault(.truncate, path)
            let n = Int(length)
            if n < inode.data.count {
                inode.data.removeSubrange(n...)
            } else {
                inode.data += [UInt8](repeating: 0, count: n - inode.data.count)
            }
        }
    }

    func sync() throws(FileSystemError) {
        try dataSync()
    }

    func dataSync() throws(FileSystemError) {
        try fs.locked { () throws(FileSystemError) in
            try fs.checkHandle(path, generation)
            fs.bump(\.fileSyncs)
            try fs.checkFault(.sync, path)
            inode.durable = inode.data
        }
    }

    /// No cache to drop; counts the bytes, and a drop of bytes that are not durable as a misuse.
    func dropCachedPages(from offset: UInt64, to end: UInt64) {
        try? fs.locked { () throws(FileSystemError) in
            guard end > offset else { return }
            let durable = end <= UInt64(inode.data.count) && end <= UInt64(inode.durable.count)
                && inode.data[Int(offset)..<Int(end)] == inode.durable[Int(offset)..<Int(end)]
            fs.count(cacheDrop: Int(end - offset), durable: durable)
        }
    }

    func close() {}
}
