extension RaftMessageCodec {
    /// A cursor over raw bytes whose every read is bounds-checked.
    struct BoundedReader {
        let bytes: UnsafeRawBufferPointer
        private(set) var offset = 0

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        var remaining: Int { bytes.count - offset }

        private func need(_ count: Int) throws(RaftMessageCodecError) {
            guard count <= remaining else { throw .truncated(offset: offset, needed: count - remaining) }
        }

        mutating func readByte() throws(RaftMessageCodecError) -> UInt8 {
            try need(1)
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func readUInt32() throws(RaftMessageCodecError) -> UInt32 {
            try need(4)
            defer { offset += 4 }
            return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        }

        mutating func readUInt64() throws(RaftMessageCodecError) -> UInt64 {
            try need(8)
            defer { offset += 8 }
            return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        }

        /// A u32 count of items that take at least `minimumBytesEach` bytes,
        /// refused when that many could not fit in what remains (before any
        /// allocation is made for them).
        mutating func readCount(minimumBytesEach: Int, what: String) throws(RaftMessageCodecError) -> Int {
            let count = try readUInt32()
            guard UInt64(count) * UInt64(minimumBytesEach) <= UInt64(remaining) else {
                throw .countTooLarge(what: what, count: count, remaining: remaining)
            }
            return Int(count)
        }

        /// `count` bytes, copied out into an array (the one copy on decode).
        mutating func readBytes(_ count: Int) throws(RaftMessageCodecError) -> [UInt8] {
            try need(count)
            defer { offset += count }
            guard count > 0 else { return [] }
            let source = bytes.baseAddress! + offset
            return [UInt8](unsafeUninitializedCapacity: count) { destination, initialized in
                UnsafeMutableRawPointer(destination.baseAddress!).copyMemory(from: source, byteCount: count)
                initialized = count
            }
        }
    }
}
