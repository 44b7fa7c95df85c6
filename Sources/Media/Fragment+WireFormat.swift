/// Fragment record, version 1 (inside the envelope of `WireFormat`; integers
/// little endian):
///
///     u64  index
///     u8   reference track (0 audio, 1 video)
///     i32  time base num      i32  time base den
///     i64  start pts          i64  duration
///     u32  packet count
///     per packet:
///       u8   track (0 audio, 1 video)
///       u8   flags: bit0 keyframe, bit1 discard, bit2 skip-samples present,
///                   bit3 pts present, bit4 dts present
///       i64  pts   i64  dts   i64  duration      (pts/dts 0 when absent)
///       if bit2:  u32 skip start, u32 skip end, u8 start reason, u8 end reason
///       u32  size, then size bytes of packet data
///
/// Decoding checks structure only (lengths, counts, a non-zero time base). The times a record carries
/// are bounded by whoever uses them: `Broadcast`'s `CatalogueLimits` for a replicated record (a record
/// outside them fails its stream on every node alike, rather than being dropped silently here), and
/// the player's overflow-checked arithmetic.
extension Fragment {
    private enum Flag {
        static let keyframe: UInt8 = 1 << 0
        static let discard: UInt8 = 1 << 1
        static let skipSamples: UInt8 = 1 << 2
        static let hasPTS: UInt8 = 1 << 3
        static let hasDTS: UInt8 = 1 << 4
        static let known: UInt8 = 0x1f
    }

    /// Size in bytes of `encoded()`, computed without encoding.
    public var encodedByteCount: Int {
        // index, reference track, time base, start + duration, packet count; then per
        // packet: track + flags, pts + dts + duration, skip samples, size, data.
        let body =
            8 + 1 + 8 + 16 + 4
            + packets.reduce(0) { $0 + 2 + 24 + ($1.skipSamples == nil ? 0 : 10) + 4 + $1.data.count }
        return WireFormat.headerSize + body + WireFormat.trailerSize
    }

    /// The fragment as a version-1 record ("RCFG").
    public func encoded() -> [UInt8] {
        let capacity = 40 + payloadBytes + packets.count * 40
        return WireFormat.seal(magic: WireFormat.fragmentMagic, capacity: capacity) { w in
            w.u64(UInt64(index))
            w.u8(referenceTrack.rawValue)
            w.i32(timeBase.numerator)
            w.i32(timeBase.denominator)
            w.i64(startPTS)
            w.i64(durationPTS)
            w.u32(UInt32(packets.count))
            for p in packets {
                var flags: UInt8 = 0
                if p.isKeyframe { flags |= Flag.keyframe }
                if p.isDiscard { flags |= Flag.discard }
                if p.skipSamples != nil { flags |= Flag.skipSamples }
                if p.pts != nil { flags |= Flag.hasPTS }
                if p.dts != nil { flags |= Flag.hasDTS }
                w.u8(p.track.rawValue)
                w.u8(flags)
                w.i64(p.pts ?? 0)
                w.i64(p.dts ?? 0)
                w.i64(p.duration)
                if let s = p.skipSamples {
                    w.u32(s.start)
                    w.u32(s.end)
                    w.u8(s.startReason)
                    w.u8(s.endReason)
                }
                w.lengthPrefixed(p.data)
            }
        }
    }

    /// Decodes a record made by `encoded()`.
    /// - Throws: `WireFormatError` for truncated, foreign, damaged or newer bytes.
    public init(decoding record: [UInt8]) throws(WireFormatError) {
        try self.init(decoding: record[...])
    }

    /// Decodes a record made by `encoded()` where it lies (a slice of a log entry: no copy).
    /// - Throws: `WireFormatError` for truncated, foreign, damaged or newer bytes.
    public init(decoding record: ArraySlice<UInt8>) throws(WireFormatError) {
        #if DEBUG
        FragmentDecodeCounter.count.add(1, ordering: .relaxed)
        #endif
        let result: Result<Fragment, WireFormatError> = record.withUnsafeBytes { raw in
            do throws(WireFormatError) {
                return .success(try Self.parse(raw))
            } catch {
                return .failure(error)
            }
        }
        self = try result.get()
    }

    private static func parse(_ raw: UnsafeRawBufferPointer) throws(WireFormatError) -> Fragment {
        var r = try WireFormat.open(raw, magic: WireFormat.fragmentMagic, kind: "fragment")
        let index = try r.u64()
        guard index <= UInt64(Int.max) else { throw .invalidField("index \(index)") }
        let rawTrack = try r.u8()
        guard let reference = TrackKind(rawValue: rawTrack) else {
            throw .invalidField("reference track \(rawTrack)")
        }
        let num = try r.i32()
        let den = try r.i32()
        guard den != 0 else { throw .invalidField("time base denominator 0") }
        let timeBase = TimeBase(num, den)
        let start = try r.i64()
        let duration = try r.i64()
        let count = Int(try r.u32())
        // Each packet takes at least 30 bytes: refuse counts the record cannot hold.
        guard count <= r.remaining / 30 else { throw .invalidField("packet count \(count)") }
        var packets: [MediaPacket] = []
        packets.reserveCapacity(count)
        for _ in 0..<count {
            let rawKind = try r.u8()
            guard let track = TrackKind(rawValue: rawKind) else { throw .invalidField("packet track \(rawKind)") }
            let flags = try r.u8()
            guard flags & ~Flag.known == 0 else { throw .invalidField("packet flags \(flags)") }
            let pts = try r.i64()
            let dts = try r.i64()
            let packetDuration = try r.i64()
            var skip: SkipSamples?
            if flags & Flag.skipSamples != 0 {
                skip = SkipSamples(start: try r.u32(), end: try r.u32(), startReason: try r.u8(), endReason: try r.u8())
            }
            let data = try r.lengthPrefixed()
            packets.append(
                MediaPacket(
                    track: track, pts: flags & Flag.hasPTS != 0 ? pts : nil,
                    dts: flags & Flag.hasDTS != 0 ? dts : nil, duration: packetDuration,
                    isKeyframe: flags & Flag.keyframe != 0, isDiscard: flags & Flag.discard != 0,
                    skipSamples: skip, data: data))
        }
        try r.expectEnd("fragment")
        return Fragment(
            index: Int(index), referenceTrack: reference, timeBase: timeBase, startPTS: start,
            durationPTS: duration, packets: packets)
    }
}
