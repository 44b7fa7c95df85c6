import Media

/// Fragments of one stream, in order, for an `IngestSession`: Media's `Fragmenter` in the node, synthetic
/// fragments in tests. A source is consumed as the session reads it.
public protocol IngestFragmentSource: AnyObject {
    /// The stream header the fragments decode with.
    var header: StreamHeader { get }
    /// The next fragment (indices 0, 1, 2, … without gaps), nil after the last.
    func nextFragment() throws -> Fragment?
}

extension Fragmenter: IngestFragmentSource {
    /// The next fragment cut from the file, nil after the last.
    public func nextFragment() throws -> Fragment? { try next() }
}
