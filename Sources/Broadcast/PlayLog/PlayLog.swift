import Foundation
import Glibc
import SystemIO

/// A node's play log: ``PlayLogRecord``s appended as JSON lines to `<data_dir>/play-log.jsonl`.
///
/// Each record is one `write(2)` of one line to a file opened with `O_APPEND` (no user-space
/// buffer, so a record is in the file — in the page cache — when ``append(_:)`` returns; it is not
/// fsync'ed: the log is for measurement, not for recovery). A write that fails part-way (a full
/// disk) is cut back to the record's start, so a failed append leaves no torn line in the middle of
/// the file; if even that fails, the next record starts on a new line. A crash can leave a torn
/// last line, which ``read(path:)`` ignores. Used by one thread (the player); not `Sendable`.
/// ```swift
/// let log = try PlayLog(dataDirectory: "/var/lib/raftcast/n1")
/// try log.append(record)
/// let records = try PlayLog.read(path: log.path)
/// ```
public final class PlayLog {
    /// The file name inside the data directory.
    public static let fileName = "play-log.jsonl"

    /// The file's path.
    public let path: String
    private var descriptor: Int32
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Opens (creating it if needed) the log at `path` for appending.
    public init(path: String) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw PlayLogError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
    }

    /// Opens the log `play-log.jsonl` in a node's data directory.
    public convenience init(dataDirectory: String) throws {
        try self.init(path: URL(fileURLWithPath: dataDirectory).appendingPathComponent(Self.fileName).path)
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    /// Appends one record as one line. On failure nothing of it stays in the file (see the type's
    /// note) and the error says why; the log stays usable, so a later append may succeed.
    public func append(_ record: PlayLogRecord) throws {
        guard descriptor >= 0 else { throw PlayLogError.cannotWrite(path: path, reason: "the log is closed") }
        var line = try encoder.encode(record)
        line.append(UInt8(ascii: "\n"))
        if tornLineOpen { line.insert(UInt8(ascii: "\n"), at: line.startIndex) }
        // Single writer: the end of the file before this write is where the record starts.
        let start = lseek(descriptor, 0, SEEK_END)
        let failure: String? = line.withUnsafeBytes { bytes in
            FileDescriptorWrite.all(bytes, to: descriptor).map { String(cString: strerror($0)) }
        }
        guard let failure else {
            tornLineOpen = false
            return
        }
        // Cut the partial record; if that is impossible, make sure the next one starts a new line.
        tornLineOpen = start < 0 || ftruncate(descriptor, start) != 0
        throw PlayLogError.cannotWrite(path: path, reason: failure)
    }

    /// A failed append may have left part of a line that could not be cut.
    private var tornLineOpen = false

    /// Closes the file; later appends throw.
    public func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }

    /// Every record in the log at `path`. A last line without its newline that does not parse (a
    /// torn append) is ignored; any other bad line is an error naming the line.
    public static func read(path: String) throws -> [PlayLogRecord] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw PlayLogError.cannotRead(path: path, reason: (error as NSError).localizedDescription)
        }
        return try parse(data, path: path)
    }

    /// The records in the bytes of a play log (`path` names it in errors).
    public static func parse(_ data: Data, path: String) throws -> [PlayLogRecord] {
        let decoder = JSONDecoder()
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        var records: [PlayLogRecord] = []
        for (index, line) in lines.enumerated() where !line.isEmpty {
            do {
                records.append(try decoder.decode(PlayLogRecord.self, from: Data(line)))
            } catch {
                let isTornTail = index == lines.count - 1
                if isTornTail { break }
                throw PlayLogError.badLine(path: path, line: index + 1, reason: Self.reason(error))
            }
        }
        return records
    }

    /// A short reason from a decoding error.
    private static func reason(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "wrong type for \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\""
        case DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty:
            "bad \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\""
        case DecodingError.dataCorrupted: "not JSON"
        default: "\(error)"
        }
    }
}
