import NIOCore

/// The frame size limit in force on one connection: small until the peer is
/// authenticated, then the configured maximum. Shared by the decoder and the
/// handshake handler of one channel, and only touched on its event loop.
final class FrameSizeLimit {
    var maxBodySize: Int
    init(maxBodySize: Int) { self.maxBodySize = maxBodySize }
}

/// Cuts the byte stream of a connection into ``Frame``s (see ``Frame/decode(from:maxBodySize:)``).
struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = Frame
    let limit: FrameSizeLimit

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try Frame.decode(from: &buffer, maxBodySize: limit.maxBodySize) else {
            reserveFrame(in: &buffer)
            return .needMoreData
        }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    /// Once a frame's length is known (and within the limit: `Frame.decode` checked it), makes room for
    /// all of it, so the reads that follow are appended without the buffer growing (and being copied)
    /// again and again on the way to a frame of megabytes.
    ///
    /// The start of the frame is moved to the front first. The frames before it were handed on as slices
    /// of this buffer, so its storage is usually still shared: growing it then would copy everything
    /// before the reader index too (megabytes of frames already delivered), and so would the handler's
    /// own reclaiming later; moved first, only the partial frame is copied, into storage of its own.
    private func reserveFrame(in buffer: inout ByteBuffer) {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .little, as: UInt32.self) else { return }
        let frameSize = Frame.headerSize + Int(length) - 2
        if buffer.readerIndex > 0 && frameSize > buffer.readableBytes {
            var rest = ByteBufferAllocator().buffer(capacity: frameSize)
            rest.writeImmutableBuffer(buffer)
            buffer = rest
            return
        }
        let missing = frameSize - buffer.readableBytes
        if missing > buffer.writableBytes { buffer.reserveCapacity(minimumWritableBytes: missing) }
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // Only whole frames count; a partial frame at close is discarded.
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
