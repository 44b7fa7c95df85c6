/// The answer of `DELETE /v1/members/{id}` (docs/openapi.yaml): `{"id": "kitchen", "removed": true}`.
public struct MemberRemoval: Sendable, Hashable, Codable {
    /// The member removed.
    public var id: String
    /// Always true.
    public var removed: Bool

    public init(id: String, removed: Bool = true) {
        self.id = id
        self.removed = removed
    }
}
