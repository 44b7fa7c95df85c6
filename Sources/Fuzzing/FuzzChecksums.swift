import BinaryCoding

/// The checksums of raftcast's formats, recomputed by the targets' repairs.
enum FuzzChecksums {
    private static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// CRC-32 (IEEE, as zlib) of `bytes`: Media's record trailer.
    static func crc32<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes { c = crcTable[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    /// Makes the Media record (envelope of `WireFormat`) at `start ..< bytes.count` consistent again: when
    /// `fixLength`, the body length is set to what the bytes hold; the CRC-32 trailer always.
    static func resealMediaRecord(_ bytes: inout [UInt8], from start: Int = 0, fixLength: Bool) {
        let count = bytes.count - start
        guard count >= 16 else { return }
        if fixLength { setU32(UInt32(truncatingIfNeeded: count - 16), at: start + 8, in: &bytes) }
        let crc = crc32(bytes[start..<(bytes.count - 4)])
        setU32(crc, at: bytes.count - 4, in: &bytes)
    }

    /// Sets the FNV-1a 64 trailer of a catalogue snapshot.
    static func resealSnapshot(_ bytes: inout [UInt8]) {
        guard bytes.count >= 8 else { return }
        let hash = FNV1a64.hash(bytes[..<(bytes.count - 8)])
        for i in 0..<8 { bytes[bytes.count - 8 + i] = UInt8(truncatingIfNeeded: hash >> UInt64(8 * i)) }
    }

    static func setU32(_ value: UInt32, at offset: Int, in bytes: inout [UInt8]) {
        guard offset >= 0, offset + 4 <= bytes.count else { return }
        for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> UInt32(8 * i)) }
    }
}
