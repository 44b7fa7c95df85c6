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
        guard let frame = try Frame.decode(from: &buffer, maxBodySize: limit.maxBodySize) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // Only whole frames count; a partial frame at close is discarded.
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
