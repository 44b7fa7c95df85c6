import Raft

/// Structure-aware mutations of a seed: one to four of bit flips, bytes set to interesting values,
/// interesting integers written over the seed's fields (in their byte order), truncation, extension,
/// splicing with another seed, corrupted lengths and counts, and chunks deleted or repeated.
public enum FuzzMutator {
    /// Bytes that sit at the edges of signed and unsigned ranges.
    static let interestingBytes: [UInt8] = [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF, 0x20, 0x40]

    /// Integers at the edges of the 16-, 32- and 64-bit ranges, and time magnitudes that overflowed
    /// before (2³¹, 10¹², 10¹⁵, 2⁶² ticks; issue 13).
    static let interestingIntegers: [UInt64] = [
        0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x1_0000,
        0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000,
        0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFFF,
        UInt64(bitPattern: -1), UInt64(bitPattern: -2), UInt64(bitPattern: Int64(Int32.min)),
        1_000_000_000_000, 1_000_000_000_000_000, 1 << 62, 1 << 61, (1 << 61) - 1, UInt64(bitPattern: -(1 << 61)),
        0x7FF0_0000_0000_0000,  // +inf as a Double
        0x7FF8_0000_0000_0000,  // NaN
        0xFFF0_0000_0000_0000,  // -inf
        0x8000_0000_0000_0000,  // -0.0
    ]

    /// A mutation of `seed`; `other` is the partner for splicing.
    public static func mutate(_ seed: FuzzSeed, splicingWith other: FuzzSeed, using rng: inout SplitMix64) -> [UInt8] {
        var bytes = seed.bytes
        let rounds = 1 + rng.below(4)
        for _ in 0..<rounds {
            mutateOnce(&bytes, seed: seed, other: other, using: &rng)
        }
        return bytes
    }

    private static func mutateOnce(_ bytes: inout [UInt8], seed: FuzzSeed, other: FuzzSeed, using rng: inout SplitMix64) {
        // Field-aimed mutations are the most frequent: they are what reaches past the first checks.
        let fieldsUsable = !seed.fields.isEmpty && bytes.count == seed.bytes.count
        switch rng.below(12) {
        case 0:
            guard !bytes.isEmpty else { return }
            bytes[rng.below(bytes.count)] ^= 1 << UInt8(rng.below(8))
        case 1:
            guard !bytes.isEmpty else { return }
            bytes[rng.below(bytes.count)] = UInt8(truncatingIfNeeded: rng.next())
        case 2:
            guard !bytes.isEmpty else { return }
            bytes[rng.below(bytes.count)] = interestingBytes[rng.below(interestingBytes.count)]
        case 3, 4, 5:
            if fieldsUsable {
                let field = seed.fields[rng.below(seed.fields.count)]
                write(interesting(&rng), over: field, in: &bytes)
            } else if bytes.count >= 8 {
                let width = [1, 2, 4, 8][rng.below(4)]
                let field = FuzzField(offset: rng.below(bytes.count - width + 1), width: width, bigEndian: rng.chance(1, in: 2))
                write(interesting(&rng), over: field, in: &bytes)
            }
        case 6, 7:
            let lengths = seed.fields.filter { $0.role == .length }
            guard fieldsUsable, !lengths.isEmpty else { return }
            corruptLength(lengths[rng.below(lengths.count)], in: &bytes, using: &rng)
        case 8:
            // Truncation: at a random point, or just a few bytes off the end.
            guard !bytes.isEmpty else { return }
            let keep = rng.chance(1, in: 2) ? rng.below(bytes.count) : max(0, bytes.count - 1 - rng.below(8))
            bytes.removeSubrange(keep...)
        case 9:
            // Extension: random or repeated bytes, at the end or inside.
            let count = 1 + rng.below(rng.chance(1, in: 8) ? 4096 : 32)
            let fill = rng.chance(1, in: 2) ? nil : interestingBytes[rng.below(interestingBytes.count)]
            var extra: [UInt8] = []
            extra.reserveCapacity(count)
            for _ in 0..<count { extra.append(fill ?? UInt8(truncatingIfNeeded: rng.next())) }
            bytes.insert(contentsOf: extra, at: rng.chance(1, in: 2) ? bytes.count : rng.below(bytes.count + 1))
        case 10:
            // Splice: a prefix of this input and a suffix of the other seed.
            let cut = rng.below(bytes.count + 1)
            let from = rng.below(other.bytes.count + 1)
            bytes = Array(bytes[..<cut]) + other.bytes[from...]
        default:
            // Delete or repeat a chunk.
            guard bytes.count >= 2 else { return }
            let start = rng.below(bytes.count)
            let length = 1 + rng.below(min(64, bytes.count - start))
            if rng.chance(1, in: 2) {
                bytes.removeSubrange(start..<(start + length))
            } else {
                bytes.insert(contentsOf: bytes[start..<(start + length)], at: start)
            }
        }
    }

    private static func interesting(_ rng: inout SplitMix64) -> UInt64 {
        let value = interestingIntegers[rng.below(interestingIntegers.count)]
        // Sometimes one off the interesting value.
        switch rng.below(6) {
        case 0: return value &+ 1
        case 1: return value &- 1
        default: return value
        }
    }

    /// Writes the low `field.width` bytes of `value` over `field`.
    static func write(_ value: UInt64, over field: FuzzField, in bytes: inout [UInt8]) {
        guard field.offset >= 0, field.offset + field.width <= bytes.count else { return }
        for i in 0..<field.width {
            let shift = field.bigEndian ? (field.width - 1 - i) * 8 : i * 8
            bytes[field.offset + i] = UInt8(truncatingIfNeeded: value >> UInt64(shift))
        }
    }

    /// Reads `field` from `bytes`.
    static func read(_ field: FuzzField, in bytes: [UInt8]) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<field.width {
            let shift = field.bigEndian ? (field.width - 1 - i) * 8 : i * 8
            value |= UInt64(bytes[field.offset + i]) << UInt64(shift)
        }
        return value
    }

    /// A length or count set to where bounds checks sit: 0, one off, the bytes that remain (and one
    /// more), half, double, the field's maximum.
    private static func corruptLength(_ field: FuzzField, in bytes: inout [UInt8], using rng: inout SplitMix64) {
        let current = read(field, in: bytes)
        let remaining = UInt64(bytes.count - field.offset - field.width)
        let maximum: UInt64 = field.width == 8 ? .max : (1 << UInt64(field.width * 8)) - 1
        let candidates: [UInt64] = [
            0, current &+ 1, current &- 1, remaining, remaining &+ 1, remaining / 2, current &* 2, current / 2,
            maximum, maximum / 2, maximum / 2 &+ 1, current &+ UInt64(rng.below(64)),
        ]
        write(candidates[rng.below(candidates.count)], over: field, in: &bytes)
    }
}
