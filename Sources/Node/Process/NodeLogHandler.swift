import Foundation
import Logging
import SystemIO

#if canImport(Glibc)
import Glibc
#endif

/// The node's log handler: one line per record on standard error, stamped to the millisecond in UTC, as
/// text or as JSON (`raftcast node --log-format json`, for log collectors).
///
/// ```
/// text: 2026-12-03T23:55:09.191Z info raftcast.node: node=n1 role=leader term=3 role or leader changed
/// json: {"level":"info","label":"raftcast.node","message":"role or leader changed","metadata":{"node":"n1",…},"ts":"2026-12-03T23:55:09.191Z"}
/// ```
/// Metadata keys are sorted, so two lines of the same call compare. `raftcast node` wraps it in an
/// ``EscapingLogHandler``, so neither form can carry a control character that forges a line.
public struct NodeLogHandler: LogHandler {
    /// How a record is written.
    public enum Format: String, Sendable, CaseIterable {
        case text, json
    }

    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let format: Format
    /// Where a finished line goes (standard error; tests capture it).
    let write: @Sendable (String) -> Void
    /// The time of a record (the wall clock; tests fix it).
    let now: @Sendable () -> timespec

    /// A handler for `label` writing `format` lines to standard error.
    public init(label: String, format: Format) {
        self.init(label: label, format: format, now: Self.wallClock) { line in
            _ = Array(line.utf8).withUnsafeBytes { FileDescriptorWrite.all($0, to: 2) }
        }
    }

    /// A handler writing through `write`, timed by `now`.
    public init(
        label: String, format: Format, now: @escaping @Sendable () -> timespec, write: @escaping @Sendable (String) -> Void
    ) {
        self.label = label
        self.format = format
        self.now = now
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let extra = event.metadata { all.merge(extra) { $1 } }
        if let error = event.error { all["error"] = .string("\(error)") }
        let stamp = Self.timestamp(now())
        switch format {
        case .text:
            let fields = all.keys.sorted().map { "\($0)=\(all[$0]!)" }.joined(separator: " ")
            write("\(stamp) \(event.level) \(label): \(fields.isEmpty ? "" : fields + " ")\(event.message)\n")
        case .json:
            var object: [String: Any] = [
                "ts": stamp, "level": "\(event.level)", "label": label, "message": "\(event.message)",
            ]
            if !all.isEmpty { object["metadata"] = Self.json(all) }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
                ?? Data("{}".utf8)
            write(String(decoding: data, as: UTF8.self) + "\n")
        }
    }

    /// `2026-12-03T23:55:09.191Z`.
    public static func timestamp(_ time: timespec) -> String {
        var seconds = time_t(time.tv_sec)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let milliseconds = Int(time.tv_nsec / 1_000_000)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), milliseconds)
    }

    /// The real-time clock.
    public static let wallClock: @Sendable () -> timespec = {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return time
    }

    static func json(_ metadata: Logger.Metadata) -> [String: Any] {
        metadata.mapValues(json)
    }

    static func json(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(json)
        case .dictionary(let dictionary): json(dictionary)
        }
    }
}
