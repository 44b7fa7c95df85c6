import HummingbirdCore
import NIOCore

extension RequestBody {
    /// The whole body as bytes, copied once: into an array sized from the declared `Content-Length`
    /// (capped at `maxBytes`), chunk by chunk as they arrive. (`collect(upTo:)` grows one buffer chunk by
    /// chunk, and the array a proposal needs is one more copy.)
    /// - Throws: `NIOTooManyBytesError` once more than `maxBytes` have arrived.
    func collectBytes(upTo maxBytes: Int, declaredLength: String?) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        if let declared = declaredLength.flatMap({ Int($0) }), declared > 0 {
            bytes.reserveCapacity(Swift.min(declared, maxBytes))
        }
        for try await chunk in self {
            guard chunk.readableBytes <= maxBytes - bytes.count else { throw NIOTooManyBytesError(maxBytes: maxBytes) }
            chunk.withUnsafeReadableBytes { bytes.append(contentsOf: $0) }
        }
        return bytes
    }
}
