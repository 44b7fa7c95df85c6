/// An operator's decision about the programme (the queue), committed as a catalogue entry with the cluster
/// time at which it takes effect (``CatalogueEntry/queue(_:at:)``): every node applies it to the same
/// programme at the same log index, so every node switches at the same sample.
public enum QueueCommand: Sendable, Hashable, CustomStringConvertible {
    /// The item playing at the effect time ends at its next fragment boundary; with nothing playing, the
    /// next item is dropped.
    case skip
    /// Like ``skip``, and every upcoming item is dropped: the programme is empty once the cut is reached.
    case stop
    /// The stream leaves the programme: cut at its next fragment boundary when it is playing, dropped when
    /// it is upcoming. The stream stays in the catalogue.
    case remove(StreamID)
    /// The upcoming stream moves to `position` among the upcoming items (0: plays next).
    case move(StreamID, position: Int)

    /// The stream the command names, if any.
    public var stream: StreamID? {
        switch self {
        case .skip, .stop: return nil
        case .remove(let id), .move(let id, _): return id
        }
    }

    /// The command's name as the API and the event stream spell it.
    public var name: String {
        switch self {
        case .skip: return "skip"
        case .stop: return "stop"
        case .remove: return "remove"
        case .move: return "move"
        }
    }

    /// One line: `skip`, `stop`, `remove 00…2a`, `move 00…2a to 0`.
    public var description: String {
        switch self {
        case .skip, .stop: return name
        case .remove(let id): return "remove \(id)"
        case let .move(id, position): return "move \(id) to \(position)"
        }
    }
}
