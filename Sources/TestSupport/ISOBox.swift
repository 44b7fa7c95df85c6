import Foundation

/// One box of an ISO base media file (MP4), located in a byte buffer, for the byte surgery the crafted-media
/// tests do. Layout (ISO/IEC 14496-12 §4.2; integers big endian):
///
///     u32  size (0: to the end of the enclosing box, 1: a u64 size follows the type)
///     u8×4 type ("moof", "traf", "tfdt", …)
///     u64  size, when the u32 size is 1
///     …    payload (for a full box: u8 version, u24 flags, then its fields)
public struct ISOBox: Equatable, Sendable {
    /// The four-character type.
    public var type: String
    /// Offset of the box's first byte in the buffer.
    public var offset: Int
    /// Size of the header (8, or 16 with a 64-bit size).
    public var headerSize: Int
    /// Size of the whole box, header included.
    public var size: Int

    /// Offset of the payload's first byte.
    public var payloadOffset: Int { offset + headerSize }
    /// Offset just past the box.
    public var end: Int { offset + size }

    /// The boxes that tile `bytes[range]`, in order.
    /// - Throws: `ToolFailure` when a box's size is impossible (the buffer is not an MP4).
    public static func boxes(in bytes: [UInt8], range: Range<Int>) throws -> [ISOBox] {
        var boxes: [ISOBox] = []
        var offset = range.lowerBound
        while offset < range.upperBound {
            guard range.upperBound - offset >= 8 else { throw malformed("a box header cut short at \(offset)") }
            var size = Int(readU32(bytes, at: offset))
            var headerSize = 8
            if size == 1 {
                guard range.upperBound - offset >= 16 else { throw malformed("a 64-bit box size cut short at \(offset)") }
                let large = readU64(bytes, at: offset + 8)
                guard large <= UInt64(range.upperBound - offset) else { throw malformed("box size \(large) at \(offset)") }
                size = Int(large)
                headerSize = 16
            } else if size == 0 {
                size = range.upperBound - offset
            }
            guard size >= headerSize, size <= range.upperBound - offset else {
                throw malformed("box size \(size) at \(offset)")
            }
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            boxes.append(ISOBox(type: type, offset: offset, headerSize: headerSize, size: size))
            offset += size
        }
        return boxes
    }

    /// The boxes inside this one (for a container box: moov, trak, mdia, moof, traf, …).
    public func children(in bytes: [UInt8]) throws -> [ISOBox] {
        try Self.boxes(in: bytes, range: payloadOffset..<end)
    }

    /// The big-endian u32 at `offset`.
    public static func readU32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// The big-endian u64 at `offset`.
    public static func readU64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        bytes[offset..<(offset + 8)].reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Writes `value` big endian into `bytes` at `offset` (`width` bytes: 4 or 8).
    public static func write(_ value: UInt64, width: Int, into bytes: inout [UInt8], at offset: Int) {
        for i in 0..<width { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(width - 1 - i))) }
    }

    static func malformed(_ what: String) -> ToolFailure {
        ToolFailure(command: "ISOBox.boxes", stderr: "not an MP4 box tree: \(what)")
    }
}
