/// The body of `GET /v1/streams`: `{"streams": [StreamResource]}`, in the catalogue's order.
public struct StreamList: Sendable, Hashable, Codable {
    public var streams: [StreamResource]

    /// A list of `streams`.
    public init(streams: [StreamResource]) {
        self.streams = streams
    }
}
