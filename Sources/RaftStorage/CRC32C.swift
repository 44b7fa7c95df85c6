import CCRC32C

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78). Used for every checksum of the write-ahead log.
///
/// Computed with the CPU's CRC-32C instruction when it has one (SSE4.2 on x86_64, the CRC extension on
/// aarch64; the `CCRC32C` target, checked once at run time), else with the slicing-by-8 method: eight
/// 256-entry tables let the loop consume eight bytes per step. Both give the same values.
///
/// Check value (RFC 3720 B.4): `CRC32C.checksum("123456789")` is `0xE3069283`.
public struct CRC32C: Sendable, Hashable {
    /// How the checksum is computed.
    public enum Implementation: Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// The CPU's instruction (only where ``isAvailable`` says so).
        case hardware
        /// Slicing-by-8 tables, everywhere.
        case table

        /// True when this machine can run it.
        public var isAvailable: Bool {
            switch self {
            case .hardware: CRC32C.hardwareAvailable
            case .table: true
            }
        }

        public var description: String {
            switch self {
            case .hardware: "hardware"
            case .table: "table"
            }
        }
    }

    /// The implementation every checksum uses: hardware when available.
    public static let implementation: Implementation = hardwareAvailable ? .hardware : .table

    private static let hardwareAvailable = raftcast_crc32c_hardware_available() != 0

    /// The reflected Castagnoli polynomial.
    public static let polynomial: UInt32 = 0x82F6_3B78

    /// `table[k * 256 + b]`: CRC of byte `b` followed by `k` zero bytes (8 slices).
    private static let table: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for b in 0..<256 {
            var c = UInt32(b)
            for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ polynomial : c >> 1 }
            t[b] = c
        }
        for k in 1..<8 {
            for b in 0..<256 {
                let prev = t[(k - 1) * 256 + b]
                t[k * 256 + b] = (prev >> 8) ^ t[Int(prev & 0xFF)]
            }
        }
        return t
    }()

    /// The running (pre-inverted) register.
    private var register: UInt32 = 0xFFFF_FFFF

    /// A CRC over no bytes yet.
    public init() {}

    /// The CRC-32C of the bytes fed so far.
    public var value: UInt32 { ~register }

    /// Feeds `bytes` into the running checksum (streaming use: the bytes are not kept).
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        register = CRC32C.advance(register, bytes)
    }

    /// Feeds `bytes` into the running checksum.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The CRC-32C of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        ~advance(0xFFFF_FFFF, bytes)
    }

    /// The CRC-32C of `bytes` computed by `implementation` (which must be available: tests compare them).
    public static func checksum(_ bytes: UnsafeRawBufferPointer, using implementation: Implementation) -> UInt32 {
        precondition(implementation.isAvailable, "CRC-32C \(implementation) is not available on this CPU")
        switch implementation {
        case .hardware: return ~raftcast_crc32c_hardware_update(0xFFFF_FFFF, bytes.baseAddress, bytes.count)
        case .table: return ~advanceTable(0xFFFF_FFFF, bytes)
        }
    }

    /// The CRC-32C of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }

    /// The CRC-32C of the UTF-8 bytes of `string`.
    public static func checksum(_ string: String) -> UInt32 {
        checksum(Array(string.utf8))
    }

    private static func advance(_ start: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        if hardwareAvailable { return raftcast_crc32c_hardware_update(start, bytes.baseAddress, bytes.count) }
        return advanceTable(start, bytes)
    }

    private static func advanceTable(_ start: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = start
        let count = bytes.count
        guard count > 0, let base = bytes.baseAddress else { return crc }
        return table.withUnsafeBufferPointer { buffer -> UInt32 in
            let t = buffer.baseAddress!  // 2048 entries; every index below is < 2048
            var i = 0
            while i + 8 <= count {
                let lo = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt32.self)) ^ crc
                let hi = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
                crc = t[1792 + Int(lo & 0xFF)] ^ t[1536 + Int((lo >> 8) & 0xFF)]
                    ^ t[1280 + Int((lo >> 16) & 0xFF)] ^ t[1024 + Int(lo >> 24)]
                    ^ t[768 + Int(hi & 0xFF)] ^ t[512 + Int((hi >> 8) & 0xFF)]
                    ^ t[256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
                i += 8
            }
            while i < count {
                crc = (crc >> 8) ^ t[Int((crc ^ UInt32(base.load(fromByteOffset: i, as: UInt8.self))) & 0xFF)]
                i += 1
            }
            return crc
        }
    }
}
