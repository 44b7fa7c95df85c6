import Foundation
import Node

#if canImport(Glibc)
import Glibc
#endif

/// The real file system (``POSIXUploadFileSystem``: the part files exist on disk) with faults switched
/// on and off by the test: the free space it reports, and a write failure (`errno`) once a file has
/// `failAfterBytes` bytes, as a disk that fills up mid-upload (the bytes before are written).
final class FaultyUploadFileSystem: UploadFileSystem, @unchecked Sendable {
    struct Faults {
        /// Free space reported (nil: the real one).
        var availableBytes: UInt64?
        /// Write failure: after how many bytes of a file, with which errno (nil: none).
        var failAfterBytes: Int?
        var errno: Int32 = ENOSPC
    }

    let faults: Locked<Faults>
    /// Files created (paths), in order.
    let created = Locked<[String]>([])
    private let real = POSIXUploadFileSystem()

    init(_ faults: Faults = Faults()) { self.faults = Locked(faults) }

    func availableBytes(in directory: String) throws(UploadIOError) -> UInt64 {
        if let available = faults.current.availableBytes { return available }
        return try real.availableBytes(in: directory)
    }

    func create(_ path: String) throws(UploadIOError) -> any UploadFileWriter {
        created.withValue { $0.append(path) }
        return Writer(real: try real.create(path), path: path, faults: faults.current)
    }

    private final class Writer: UploadFileWriter {
        let real: any UploadFileWriter
        let path: String
        let faults: Faults
        var written = 0

        init(real: any UploadFileWriter, path: String, faults: Faults) {
            self.real = real
            self.path = path
            self.faults = faults
        }

        func write(_ bytes: UnsafeRawBufferPointer) throws(UploadIOError) {
            guard let limit = faults.failAfterBytes, written + bytes.count > limit else {
                try real.write(bytes)
                written += bytes.count
                return
            }
            let room = max(0, limit - written)
            try real.write(UnsafeRawBufferPointer(rebasing: bytes[0..<room]))
            written += room
            throw UploadIOError(operation: "write", path: path, code: faults.errno)
        }

        func close() throws(UploadIOError) { try real.close() }
    }
}
