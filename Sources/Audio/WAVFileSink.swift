import Glibc
import SystemIO

/// Writes PCM to a RIFF WAVE file (16-bit PCM, see ``WAVHeader``): the product's fallback when the
/// machine has no sound card, and a way to listen later to what a node played.
///
/// The header is written first with zero sizes and fixed up by ``drain()`` and ``close()``; a file
/// cut short by a crash still has its samples after byte 44. It accepts audio instantly
/// (``pacesInRealTime`` is false), so a ``PacedPlayer`` paces it against its clock.
/// ```swift
/// let sink = try WAVFileSink(path: "/tmp/play.wav", format: .standard)
/// try sink.write(samples); try sink.close()
/// ```
public final class WAVFileSink: AudioSink {
    /// The file path.
    public let path: String
    /// The PCM layout it takes.
    public let format: AudioFormat
    /// Bytes of samples written so far.
    public private(set) var dataSize = 0
    private var descriptor: Int32

    /// Creates (or truncates) the file at `path` and writes a provisional header.
    /// - Throws: ``AudioError/fileFailed(path:reason:)`` naming the path and the system's reason.
    public init(path: String, format: AudioFormat = .standard) throws {
        guard format.isValid else { throw AudioError.invalidFormat(device: path, format: format) }
        self.path = path
        self.format = format
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.systemError(path, "cannot create WAV file") }
        do {
            try WAVHeader(format: format, dataSize: 0).bytes.withUnsafeBytes { try writeAll($0) }
        } catch {
            Glibc.close(descriptor)
            descriptor = -1
            throw error
        }
    }

    deinit {
        if descriptor >= 0 { try? close() }
    }

    /// The file path.
    public var name: String { path }
    /// Always false: a file takes audio instantly.
    public var pacesInRealTime: Bool { false }
    /// Always 0.
    public var delayFrames: Int { 0 }
    /// Frames written so far.
    public var framesWritten: Int { dataSize / format.bytesPerFrame }

    /// Appends whole frames (little-endian on disk).
    public func write(_ samples: UnsafeBufferPointer<Int16>) throws {
        guard descriptor >= 0 else { throw AudioError.closed(device: path) }
        try checkWholeFrames(samples.count)
        let bytes = samples.count * 2
        guard dataSize + bytes <= WAVHeader.maximumDataSize else {
            throw AudioError.fileFailed(path: path, reason: "WAV file would exceed 4 GiB")
        }
        #if _endian(big)
        let swapped = samples.map(\.littleEndian)
        try swapped.withUnsafeBytes { try writeAll($0) }
        #else
        try writeAll(UnsafeRawBufferPointer(samples))
        #endif
        dataSize += bytes
    }

    /// Fixes up the header so the file is complete as it stands.
    public func drain() throws {
        guard descriptor >= 0 else { throw AudioError.closed(device: path) }
        try fixUpHeader()
    }

    /// Fixes up the header and closes the file. Closing twice is allowed.
    public func close() throws {
        guard descriptor >= 0 else { return }
        defer {
            Glibc.close(descriptor)
            descriptor = -1
        }
        try fixUpHeader()
        if fsync(descriptor) != 0 { throw Self.systemError(path, "cannot flush WAV file") }
    }

    private func fixUpHeader() throws {
        let header = WAVHeader(format: format, dataSize: dataSize).bytes
        let written = header.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        guard written == header.count else { throw Self.systemError(path, "cannot update WAV header") }
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        if let code = FileDescriptorWrite.all(bytes, to: descriptor) {
            errno = code
            throw Self.systemError(path, "cannot write WAV file")
        }
    }

    private static func systemError(_ path: String, _ what: String) -> AudioError {
        .fileFailed(path: path, reason: "\(what): \(String(cString: strerror(errno)))")
    }
}
