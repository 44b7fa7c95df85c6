import NIOCore

extension Frame {
    /// Decodes one frame from the front of `buffer`, a pure function over its
    /// readable bytes: returns nil (consuming nothing) when the frame is not
    /// complete yet, throws as soon as the header is invalid (an oversized
    /// length is rejected from its 4 bytes alone, before any body is buffered),
    /// and otherwise consumes the frame and returns it; the body is a slice of
    /// `buffer`, not a copy.
    public static func decode(from buffer: inout ByteBuffer, maxBodySize: Int) throws(FrameError) -> Frame? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .little, as: UInt32.self) else {
            return nil
        }
        guard length >= 2 else { throw .lengthTooSmall(length) }
        let bodySize = UInt64(length) - 2
        guard bodySize <= UInt64(maxBodySize) else { throw .frameTooLarge(bodySize: bodySize, limit: maxBodySize) }
        guard let version = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt8.self) else { return nil }
        guard version == Frame.currentVersion else { throw .unsupportedVersion(version) }
        guard let kindByte = buffer.getInteger(at: buffer.readerIndex + 5, as: UInt8.self) else { return nil }
        guard let kind = Kind(rawValue: kindByte) else { throw .unknownKind(kindByte) }
        guard buffer.readableBytes >= Frame.headerSize + Int(bodySize) else { return nil }
        buffer.moveReaderIndex(forwardBy: Frame.headerSize)
        let body = buffer.readSlice(length: Int(bodySize))!
        return Frame(kind: kind, body: body)
    }
}
