import Foundation
import RaftcastClient

/// The part of a `GET /v1/streams` stream (Node's `StreamResource`, snake_case keys) the demo shows.
public struct DemoStreamProgress: Sendable, Hashable, Decodable {
    /// The stream's id, 16 hex digits.
    public var id: String
    /// Its name.
    public var name: String
    /// `ingesting` or `ended`.
    public var state: String
    /// Fragments committed so far.
    public var committedFragments: Int
    /// The stream's fragment count, when known.
    public var expectedFragments: Int?

    enum CodingKeys: String, CodingKey {
        case id, name, state
        case committedFragments = "committed_fragments"
        case expectedFragments = "expected_fragments"
    }

    /// A progress with every field given.
    public init(id: String, name: String, state: String, committedFragments: Int, expectedFragments: Int?) {
        self.id = id
        self.name = name
        self.state = state
        self.committedFragments = committedFragments
        self.expectedFragments = expectedFragments
    }

    /// The first stream of a `GET /v1/streams` answer (`{"streams": [Stream]}`) named `name`.
    public static func decodeList(_ body: [UInt8], named name: String) throws -> DemoStreamProgress? {
        struct List: Decodable { var streams: [DemoStreamProgress] }
        return try JSONDecoder().decode(List.self, from: Data(body)).streams.first { $0.name == name }
    }
}
