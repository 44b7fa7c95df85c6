/// The peers a ``Transport`` knows at one moment: each peer's id and the address it is dialed at, and the
/// ids removed while running. A value type; ``Transport`` keeps the current one under its lock, dials the
/// peers it lists and accepts a handshake only from them (``standing(of:)``).
///
/// It starts from ``TransportConfig/peers`` and changes while running: ``add(_:at:)``, ``remove(_:)``,
/// ``setAddress(_:for:)``. Removed ids are remembered (a few bytes each; membership changes are rare) so
/// that a removed peer is told apart from one never configured, in refusals and in ``DropReason``; adding
/// the id again forgets it.
public struct PeerTable: Sendable, Hashable {
    /// What the table says about a node id.
    public enum Standing: Sendable, Hashable {
        /// A peer, dialed at this address.
        case peer(PeerAddress)
        /// Was a peer until removed while running.
        case removed
        /// Not a peer, and never was one while running (or this node's own id).
        case unknown
    }

    /// What an operation changed.
    public enum Change: Sendable, Hashable {
        /// A new peer (possibly one removed before).
        case added
        /// A peer's address changed; it was `from`.
        case moved(from: PeerAddress)
        /// Nothing: the peer was already there at that address.
        case unchanged
        /// The peer was removed; it was dialed at this address.
        case removed(PeerAddress)
        /// Nothing: no such peer.
        case notAPeer
    }

    /// Why an id cannot become a peer.
    public enum Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        /// The id is this node's own.
        case localNode(String)
        /// The id is empty or longer than the 255 UTF-8 bytes the handshake carries (``ClientHello``).
        case invalidID(String)

        public var description: String {
            switch self {
            case .localNode(let id): "\"\(id)\" is this node's own id, not a peer"
            case .invalidID(let id): "node id \"\(id.prefix(64))\" must be 1 to 255 bytes of UTF-8"
            }
        }
    }

    /// The largest id, in UTF-8 bytes, a hello can carry.
    public static let maxIDBytes = 255

    /// This node's id; never a peer.
    public let localID: String
    /// Every peer: id → address.
    public private(set) var addresses: [String: PeerAddress]
    /// Ids removed while running and not added again.
    public private(set) var removedIDs: Set<String> = []

    /// The table of `localID`'s `peers` (an entry for `localID` itself is left out).
    public init(localID: String, peers: [String: PeerAddress]) {
        self.localID = localID
        addresses = peers.filter { $0.key != localID }
    }

    /// The peers' ids, sorted.
    public var ids: [String] { addresses.keys.sorted() }

    /// Whether `id` is a peer, was removed, or is unknown.
    public func standing(of id: String) -> Standing {
        if let address = addresses[id] { return .peer(address) }
        return removedIDs.contains(id) ? .removed : .unknown
    }

    /// Adds `id`, dialed at `address`; for a peer already there, moves it to `address`.
    public mutating func add(_ id: String, at address: PeerAddress) throws(Refusal) -> Change {
        guard id != localID else { throw .localNode(id) }
        guard (1...Self.maxIDBytes).contains(id.utf8.count) else { throw .invalidID(id) }
        guard addresses[id] != nil else {
            addresses[id] = address
            removedIDs.remove(id)
            return .added
        }
        return setAddress(address, for: id)
    }

    /// Removes `id`; it is then ``Standing/removed``.
    public mutating func remove(_ id: String) -> Change {
        guard let old = addresses.removeValue(forKey: id) else { return .notAPeer }
        removedIDs.insert(id)
        return .removed(old)
    }

    /// Dials `id` at `address` from now on, if it is a peer.
    public mutating func setAddress(_ address: PeerAddress, for id: String) -> Change {
        guard let old = addresses[id] else { return .notAPeer }
        guard old != address else { return .unchanged }
        addresses[id] = address
        return .moved(from: old)
    }
}
