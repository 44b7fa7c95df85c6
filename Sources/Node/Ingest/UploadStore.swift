import Broadcast
import Crypto
import Foundation
import NIOCore
import RaftcastClient

/// Where the leader keeps uploads (`data_dir/uploads`) while it ingests them:
///
///     <id>.upload.part-<random>   a body being received (removed when anything goes wrong)
///     <id>.upload                 a complete body, renamed from its part (removed when its stream ends
///                                 or is removed, or when the ingest does not start)
///
/// It tells the client's faults from the node's: a body above `max_upload_mb` is 413 and an empty one
/// 422, but a disk without room for it is 507 `insufficient-storage` (refused before the body is read
/// when the declared `Content-Length` does not fit; the partial file removed when `ENOSPC` comes while
/// writing) and any other failure to store it is 500 `storage` — never a 4xx, so `raftcast ingest`
/// retries. Nothing in the folder outlives the process that wrote it: ``removeLeftovers()`` empties it
/// when the node starts.
public struct UploadStore: Sendable {
    /// What a stored upload is.
    public struct Stored: Sendable, Hashable {
        /// `<directory>/<id>.upload`.
        public var path: String
        public var size: UInt64
        public var sha256: [UInt8]
    }

    /// Free space kept beyond what an upload needs: room for the log's other entries and snapshots.
    public static let reserveBytes: UInt64 = 16 << 20

    /// The folder (`data_dir/uploads`).
    public let directory: String
    /// The largest body accepted (`max_upload_mb`).
    public let maxBytes: Int
    private let fileSystem: any UploadFileSystem

    /// A store in `directory` for bodies up to `maxBytes`, on `fileSystem`.
    public init(directory: String, maxBytes: Int, fileSystem: any UploadFileSystem = POSIXUploadFileSystem()) {
        self.directory = directory
        self.maxBytes = maxBytes
        self.fileSystem = fileSystem
    }

    /// The complete upload of stream `id`.
    public func path(of id: StreamID) -> String {
        (directory as NSString).appendingPathComponent("\(id).upload")
    }

    /// Free bytes an upload of `length` bytes needs: the upload, the same again for the log (the leader
    /// appends the file's media as fragments), and ``reserveBytes``. Nil when that overflows.
    public static func requiredBytes(forUpload length: UInt64) -> UInt64? {
        let (twice, overflow) = length.multipliedReportingOverflow(by: 2)
        let (total, overflow2) = twice.addingReportingOverflow(reserveBytes)
        return overflow || overflow2 ? nil : total
    }

    /// Checks a request before its body is read: 413 when `declaredLength` (its `Content-Length`, nil
    /// when chunked) is above the limit, 507 when the disk cannot hold it (see ``requiredBytes(forUpload:)``;
    /// without a declared length, the reserve alone must be free).
    public func admit(declaredLength: Int?) throws(HTTPProblem) {
        if let declaredLength, declaredLength > maxBytes {
            throw HTTPProblem(
                .contentTooLarge, "too-large",
                "the upload is \(declaredLength) bytes; the limit is \(maxBytes) (cluster.max_upload_mb)")
        }
        let length = UInt64(max(0, declaredLength ?? 0))
        let available: UInt64
        do {
            available = try fileSystem.availableBytes(in: directory)
        } catch {
            throw Self.storageProblem(error, received: nil)
        }
        guard let required = Self.requiredBytes(forUpload: length), available >= required else {
            throw HTTPProblem(
                .insufficientStorage, "insufficient-storage",
                "the leader has \(Self.megabytes(available)) MB free; this upload needs \(Self.megabytes(Self.requiredBytes(forUpload: length) ?? .max)) MB "
                    + "(twice its \(Self.megabytes(length)) MB for the upload and the log, plus \(Self.megabytes(Self.reserveBytes)) MB); retry once space is freed")
        }
    }

    /// Streams `body` into ``path(of:)`` through a part file, hashing it. On any failure the part file is
    /// removed and the problem thrown: 413 above the limit, 422 when empty, 400 when the body ends early
    /// (the client's connection failed), 507 on a full disk, 500 on any other storage failure.
    public func receive<Body: AsyncSequence>(_ body: Body, id: StreamID) async throws(HTTPProblem) -> Stored
    where Body.Element == ByteBuffer {
        let final = path(of: id)
        let part = final + ".part-\(UInt32.random(in: 0...UInt32.max))"
        let writer: any UploadFileWriter
        do {
            writer = try fileSystem.create(part)
        } catch {
            throw Self.storageProblem(error, received: nil)
        }
        var hasher = SHA256()
        var size = 0
        var failure: HTTPProblem?
        var iterator = body.makeAsyncIterator()
        receiving: while true {
            let next: ByteBuffer?
            do {
                next = try await iterator.next()
            } catch {
                failure = HTTPProblem(.badRequest, "upload-incomplete", "the upload did not complete: \(error)")
                break receiving
            }
            guard let buffer = next else { break receiving }
            size += buffer.readableBytes
            if size > maxBytes {
                failure = HTTPProblem(
                    .contentTooLarge, "too-large", "the upload exceeds the limit of \(maxBytes) bytes (cluster.max_upload_mb)")
                break receiving
            }
            buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            let writeError: UploadIOError? = buffer.withUnsafeReadableBytes { bytes in
                do throws(UploadIOError) {
                    try writer.write(bytes)
                    return nil
                } catch {
                    return error
                }
            }
            if let writeError {
                failure = Self.storageProblem(writeError, received: size - buffer.readableBytes)
                break receiving
            }
        }
        do {
            try writer.close()
        } catch {
            if failure == nil { failure = Self.storageProblem(error, received: size) }
        }
        if failure == nil, size == 0 { failure = HTTPProblem(.unprocessableContent, "bad-media", "the upload is empty") }
        if let failure {
            unlink(part)
            throw failure
        }
        guard rename(part, final) == 0 else {
            let error = UploadIOError(operation: "rename", path: part, code: errno)
            unlink(part)
            throw Self.storageProblem(error, received: size)
        }
        return Stored(path: final, size: UInt64(size), sha256: Array(hasher.finalize()))
    }

    /// Removes the complete upload at `path` (an ingest that did not start, or a stream that ended).
    public func remove(_ path: String) {
        unlink(path)
    }

    /// Removes every upload and part file left in the folder by an earlier run of the node (a crash, a
    /// kill, a full disk): none is ever used again, since a client re-posts its upload to whichever node
    /// leads. Other files are left alone. Returns how many files and bytes were removed.
    @discardableResult
    public func removeLeftovers() -> (files: Int, bytes: UInt64) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return (0, 0) }
        var files = 0
        var bytes: UInt64 = 0
        for name in names where name.hasSuffix(".upload") || name.contains(".upload.part-") {
            let path = (directory as NSString).appendingPathComponent(name)
            var info = stat()
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, unlink(path) == 0 else { continue }
            files += 1
            bytes &+= UInt64(clamping: info.st_size)
        }
        return (files, bytes)
    }

    /// The answer to a storage failure: 507 when the disk is full, 500 otherwise. `received` is how far
    /// the body had come, when it had started.
    static func storageProblem(_ error: UploadIOError, received: Int?) -> HTTPProblem {
        let whereText = received.map { " after \($0) bytes" } ?? ""
        if error.isOutOfSpace {
            return HTTPProblem(
                .insufficientStorage, "insufficient-storage",
                "the leader ran out of disk space storing the upload\(whereText) (\(error)); the partial upload was removed; retry once space is freed")
        }
        return HTTPProblem(.internalServerError, "storage", "the leader cannot store the upload\(whereText): \(error)")
    }

    /// `bytes` in MB (10^6), one decimal.
    static func megabytes(_ bytes: UInt64) -> String {
        String(format: "%.1f", Double(bytes) / 1e6)
    }
}
