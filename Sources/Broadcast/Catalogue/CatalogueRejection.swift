/// Why an applied entry left the catalogue unchanged. Some are the harmless result of a retry
/// (`duplicateStart`, `duplicateFragment`, `duplicateEnd`); the others point at a faulty or confused
/// proposer. None ever replaces what is already committed.
public enum CatalogueRejection: Sendable, Hashable, CustomStringConvertible {
    /// The payload is not a catalogue entry this build reads.
    case undecodable(String)
    /// The entry's log index is not after the last applied one (already in the catalogue or its snapshot).
    case alreadyApplied(logIndex: UInt64)
    /// The same stream start was committed again (a retry): ignored.
    case duplicateStart(StreamID)
    /// A different stream start for an id already in use.
    case conflictingStart(StreamID)
    /// The stream start's header record is not a valid Media stream header.
    case invalidStart(StreamID, reason: String)
    /// The stream id belongs to a removed stream: it is never reused.
    case removedStream(StreamID)
    /// No stream with this id has started.
    case unknownStream(StreamID)
    /// A fragment or end for a stream that has already ended.
    case streamEnded(StreamID)
    /// The same fragment (same bytes) was committed again (a retry): ignored.
    case duplicateFragment(stream: StreamID, index: Int)
    /// A fragment with an index already committed but different bytes: the committed one stays.
    case conflictingFragment(stream: StreamID, index: Int, committedHash: UInt64, proposedHash: UInt64)
    /// A fragment after a gap: fragments are accepted only in order.
    case fragmentOutOfOrder(stream: StreamID, index: Int, expected: Int)
    /// The fragment record does not decode, or disagrees with the entry or the stream.
    case invalidFragment(stream: StreamID, index: Int, reason: String)
    /// The same end was committed again: ignored.
    case duplicateEnd(StreamID)
    /// An end whose fragment count differs from the fragments committed.
    case endCountMismatch(stream: StreamID, claimed: Int, committed: Int)
    /// A fragment or end for a stream that has failed.
    case streamFailed(StreamID)
    /// A queue decision that does not apply to the programme (nothing to skip, a stream not queued).
    case queueRefused(QueueCommand, reason: String)

    /// Whether this is the harmless echo of a retry.
    public var isIdempotentDuplicate: Bool {
        switch self {
        case .duplicateStart, .duplicateFragment, .duplicateEnd, .alreadyApplied: return true
        default: return false
        }
    }

    /// One line describing the rejection.
    public var description: String {
        switch self {
        case .undecodable(let reason): return "not a catalogue entry: \(reason)"
        case .alreadyApplied(let i): return "log index \(i) already applied"
        case .duplicateStart(let s): return "stream \(s) already started (same start)"
        case .conflictingStart(let s): return "stream \(s) already started with a different start"
        case let .invalidStart(s, reason): return "stream \(s) start invalid: \(reason)"
        case .removedStream(let s): return "stream \(s) was removed"
        case .unknownStream(let s): return "stream \(s) unknown"
        case .streamEnded(let s): return "stream \(s) has ended"
        case let .duplicateFragment(s, i): return "stream \(s) fragment \(i) already committed (same bytes)"
        case let .conflictingFragment(s, i, c, p):
            return "stream \(s) fragment \(i) already committed with hash \(CatalogueHash.hex(c)), not \(CatalogueHash.hex(p))"
        case let .fragmentOutOfOrder(s, i, e): return "stream \(s) fragment \(i) out of order (expected \(e))"
        case let .invalidFragment(s, i, reason): return "stream \(s) fragment \(i) invalid: \(reason)"
        case .duplicateEnd(let s): return "stream \(s) already ended"
        case let .endCountMismatch(s, claimed, committed):
            return "stream \(s) end claims \(claimed) fragments, \(committed) committed"
        case .streamFailed(let s): return "stream \(s) has failed"
        case let .queueRefused(command, reason): return "queue \(command) refused: \(reason)"
        }
    }
}

extension CatalogueRejection {
    /// The stream the rejection is about (nil for bytes that are not an entry or an old log index).
    public var stream: StreamID? {
        switch self {
        case .undecodable, .alreadyApplied: return nil
        case .queueRefused(let command, _): return command.stream
        case .duplicateStart(let s), .conflictingStart(let s), .invalidStart(let s, _), .removedStream(let s),
            .unknownStream(let s), .streamEnded(let s), .duplicateEnd(let s), .streamFailed(let s):
            return s
        case .duplicateFragment(let s, _), .conflictingFragment(let s, _, _, _), .fragmentOutOfOrder(let s, _, _),
            .invalidFragment(let s, _, _), .endCountMismatch(let s, _, _):
            return s
        }
    }
}
