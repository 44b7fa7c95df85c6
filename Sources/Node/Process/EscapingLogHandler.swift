import Logging
import Transport

/// A log handler that escapes every control character (``LogText``) in the message and in every
/// metadata value before handing the record to the handler it wraps: whatever a client or a peer
/// managed to put into a logged string (a stream name with a newline, a NUL in a file name), a record
/// stays one line and cannot forge another. `raftcast node` installs it around its stderr handler, so
/// it covers every logger of the process (Node, Transport, Hummingbird), including call sites that
/// do not escape themselves.
public struct EscapingLogHandler<Wrapped: LogHandler>: LogHandler {
    /// The handler that prints.
    public var wrapped: Wrapped

    /// A handler escaping what it hands to `wrapped`.
    public init(wrapping wrapped: Wrapped) { self.wrapped = wrapped }

    public var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = Self.escaped(newValue) }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { wrapped.metadataProvider }
        set { wrapped.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: LogText.escaped(key)] = newValue.map(Self.escaped) }
    }

    public func log(event: LogEvent) {
        var event = event
        event.message = Logger.Message(stringLiteral: LogText.escaped(event.message.description))
        event.metadata = event.metadata.map(Self.escaped)
        event.error = event.error.map { EscapedError(description: LogText.escaped(String(describing: $0))) }
        wrapped.log(event: event)
    }

    /// An error as its escaped description.
    struct EscapedError: Error, CustomStringConvertible {
        var description: String
    }

    /// Every key and value of `metadata`, escaped.
    static func escaped(_ metadata: Logger.Metadata) -> Logger.Metadata {
        var out: Logger.Metadata = [:]
        for (key, value) in metadata { out[LogText.escaped(key)] = escaped(value) }
        return out
    }

    /// `value` escaped, keeping its shape (strings, lists, dictionaries).
    static func escaped(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let text): .string(LogText.escaped(text))
        case .stringConvertible(let convertible): .string(LogText.escaped(convertible.description))
        case .array(let values): .array(values.map(escaped))
        case .dictionary(let dictionary): .dictionary(escaped(dictionary))
        }
    }
}
