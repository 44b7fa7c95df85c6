import Hummingbird

extension HTTPResponse.Status {
    /// 507 Insufficient Storage (RFC 4918): the node has no room for what it was asked to store. Not a
    /// fault of the request, and it may pass once space is freed.
    static var insufficientStorage: Self { .init(code: 507, reasonPhrase: "Insufficient Storage") }
}
