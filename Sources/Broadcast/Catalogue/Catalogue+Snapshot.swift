import Media
import BinaryCoding

/// Catalogue snapshot, version 2 (all integers little endian; `blob` = u32 length + bytes):
///
///     offset  size  field
///     0       4     magic "RCCS"
///     4       1     version = 2 (1 is read too: no audio ends, no programme)
///     5       3     reserved = 0
///     8       8     applied index            16  8  applied term
///     24      4     stream count, then per stream (in start order):
///                     u64   start log index
///                     blob  its stream-started catalogue entry ("RCCE", type 1)
///                     u8    state: 0 live, 1 ended, 2 failed
///                     if ended: u64 fragment count, f64 duration seconds
///                     if failed: str reason (u16 length + UTF-8)
///                     u32   fragment count, then per fragment (57 bytes; index = position):
///                       u64 log index   i32 time base num   i32 time base den
///                       i64 start pts   i64 duration pts    u32 record bytes
///                       u8  flags (bit0 starts with keyframe)   u32 packet count
///                       u64 FNV-1a 64 of the record
///                       i64 audio end, programme samples (−2⁶³: no audio)      (version 2)
///     …       4     removed-stream count, then u64 ids, ascending
///     …       4     programme item count, then per item (25 bytes, in play order):   (version 2)
///                     u64 stream id   u8 flags (bit0 anchored, bit1 cut)
///                     i64 anchor, cluster ns (0 unless anchored)   u64 cut after fragment (0 unless cut)
///     end−8   8     FNV-1a 64 of every byte before it
///
/// The fragment bytes are not in the snapshot: they stay in the log (docs/catalogue.md). State 2 (failed)
/// came with issue 13: a build from before it refuses a snapshot holding a failed stream.
extension Catalogue {
    /// Magic of a catalogue snapshot.
    public static let snapshotMagic: [UInt8] = Array("RCCS".utf8)
    /// The snapshot version this build writes and reads.
    public static let snapshotVersion: UInt8 = 2
    private static let snapshotWhat = "catalogue snapshot"
    private static let fragmentRecordSize = 57
    private static let noAudioEnd = Int64.min
    private enum FragmentFlag {
        static let keyframe: UInt8 = 1 << 0
        static let known: UInt8 = 0x01
    }
    private enum ItemFlag {
        static let anchored: UInt8 = 1 << 0
        static let cut: UInt8 = 1 << 1
        static let known: UInt8 = 0x03
    }

    /// The whole catalogue (every stream's metadata, ends, removals and the applied index) as bytes, for
    /// the Raft snapshot.
    public func snapshot() -> [UInt8] {
        let fragmentCount = streamsByID.values.reduce(0) { $0 + $1.fragments.count }
        var w = LittleEndianWriter(capacity: 64 + streamsByID.count * 1024 + fragmentCount * Self.fragmentRecordSize)
        w.bytes(Self.snapshotMagic)
        w.u8(Self.snapshotVersion)
        w.bytes([0, 0, 0])
        w.u64(appliedIndex)
        w.u64(appliedTerm)
        let streams = self.streams
        w.u32(UInt32(streams.count))
        for stream in streams {
            w.u64(stream.startLogIndex)
            w.lengthPrefixed(CatalogueEntry.streamStarted(stream.start).encoded())
            switch stream.state {
            case .live:
                w.u8(0)
            case let .ended(count, duration):
                w.u8(1)
                w.u64(UInt64(count))
                w.f64(duration)
            case .failed(let reason):
                w.u8(2)
                w.string(reason)
            }
            w.u32(UInt32(stream.fragments.count))
            for f in stream.fragments {
                w.u64(f.logIndex)
                w.u32(UInt32(bitPattern: f.timeBase.numerator))
                w.u32(UInt32(bitPattern: f.timeBase.denominator))
                w.i64(f.startPTS)
                w.i64(f.durationPTS)
                w.u32(UInt32(f.byteCount))
                w.u8(f.startsWithKeyframe ? FragmentFlag.keyframe : 0)
                w.u32(UInt32(f.packetCount))
                w.u64(f.hash)
                w.i64(f.audioEndSample ?? Self.noAudioEnd)
            }
        }
        let removed = removedStreams.sorted()
        w.u32(UInt32(removed.count))
        for id in removed { w.u64(id.rawValue) }
        w.u32(UInt32(programme.items.count))
        for item in programme.items {
            w.u64(item.stream.rawValue)
            w.u8((item.anchor != nil ? ItemFlag.anchored : 0) | (item.cutAfterFragment != nil ? ItemFlag.cut : 0))
            w.i64(item.anchor?.nanoseconds ?? 0)
            w.u64(UInt64(max(item.cutAfterFragment ?? 0, 0)))
        }
        let checksum = CatalogueHash.fnv1a64(w.buffer)
        w.u64(checksum)
        return w.buffer
    }

    /// Restores a catalogue from `snapshot()` bytes.
    /// - Throws: `CatalogueDecodingError` for truncated, foreign, damaged, newer or inconsistent bytes.
    public init(snapshot bytes: [UInt8]) throws(CatalogueDecodingError) {
        let what = Self.snapshotWhat
        let found = Array(bytes.prefix(4))
        guard found.count == 4 else { throw .truncated(what, needed: 36, available: bytes.count) }
        guard found == Self.snapshotMagic else { throw .badMagic(what, found: found) }
        guard bytes.count >= 36 else { throw .truncated(what, needed: 36, available: bytes.count) }
        let version = bytes[4]
        guard version == 1 || version == Self.snapshotVersion else { throw .unsupportedVersion(what, version) }
        let recordSize = version == 1 ? 49 : Self.fragmentRecordSize
        var trailer = CatalogueByteReader(bytes[(bytes.count - 8)...], what: what)
        let stored = try trailer.u64()
        let computed = CatalogueHash.fnv1a64(bytes[..<(bytes.count - 8)])
        guard stored == computed else { throw .checksumMismatch(what, stored: stored, computed: computed) }

        var r = CatalogueByteReader(bytes[5..<(bytes.count - 8)], what: what)
        guard try r.slice(3).allSatisfy({ $0 == 0 }) else { throw .invalidField(what, "reserved bytes") }
        self.init()
        appliedIndex = try r.u64()
        appliedTerm = try r.u64()
        let streamCount = try r.count("stream count", minimumElementSize: 17)
        for _ in 0..<streamCount {
            let startLogIndex = try r.u64()
            guard case .streamStarted(let start) = try CatalogueEntry(decoding: try r.lengthPrefixed()) else {
                throw .invalidField(what, "a stream's start is not a stream-started entry")
            }
            guard streamsByID[start.id] == nil else { throw .invalidField(what, "stream \(start.id) twice") }
            let header: StreamHeader
            do throws(WireFormatError) {
                header = try start.header()
            } catch {
                throw .invalidField(what, "stream \(start.id) header: \(error.description)")
            }
            var stream = CatalogueStream(start: start, header: header, startLogIndex: startLogIndex)
            switch try r.u8() {
            case 0:
                break
            case 1:
                let count = try r.u64()
                guard count <= UInt64(Int.max) else { throw .invalidField(what, "fragment count \(count)") }
                stream.state = .ended(fragmentCount: Int(count), durationSeconds: try r.f64())
            case 2:
                stream.state = .failed(reason: try r.string("failure reason"))
            case let other:
                throw .invalidField(what, "stream state \(other)")
            }
            let fragmentCount = try r.count("fragment count", minimumElementSize: recordSize)
            stream.fragments.reserveCapacity(fragmentCount)
            for index in 0..<fragmentCount {
                let logIndex = try r.u64()
                let num = Int32(bitPattern: try r.u32())
                let den = Int32(bitPattern: try r.u32())
                let startPTS = try r.i64()
                let durationPTS = try r.i64()
                let byteCount = Int(try r.u32())
                let flags = try r.u8()
                guard flags & ~FragmentFlag.known == 0 else { throw .invalidField(what, "fragment flags \(flags)") }
                let packetCount = Int(try r.u32())
                let hash = try r.u64()
                let audioEnd = version == 1 ? Self.noAudioEnd : try r.i64()
                guard audioEnd == Self.noAudioEnd || audioEnd.magnitude <= UInt64(PlaybackStream.sampleLimit) else {
                    throw .invalidField(what, "audio end \(audioEnd)")
                }
                stream.fragments.append(
                    CatalogueFragment(
                        index: index, timeBase: TimeBase(num, den), startPTS: startPTS, durationPTS: durationPTS,
                        byteCount: byteCount, startsWithKeyframe: flags & FragmentFlag.keyframe != 0,
                        packetCount: packetCount, logIndex: logIndex, hash: hash,
                        audioEndSample: audioEnd == Self.noAudioEnd ? nil : audioEnd))
            }
            if case .ended(let count, _) = stream.state, count != stream.fragments.count {
                throw .invalidField(what, "stream \(start.id) ended with \(count) fragments but lists \(stream.fragments.count)")
            }
            streamsByID[start.id] = stream
            streamOrder.append(start.id)
        }
        let removedCount = try r.count("removed-stream count", minimumElementSize: 8)
        for _ in 0..<removedCount {
            let id = StreamID(try r.u64())
            guard streamsByID[id] == nil, removedStreams.insert(id).inserted else {
                throw .invalidField(what, "removed stream \(id) listed twice or still present")
            }
        }
        if version >= 2 {
            let itemCount = try r.count("programme item count", minimumElementSize: 25)
            for _ in 0..<itemCount {
                let id = StreamID(try r.u64())
                let flags = try r.u8()
                guard flags & ~ItemFlag.known == 0 else { throw .invalidField(what, "programme item flags \(flags)") }
                let anchor = try r.i64()
                let cut = try r.u64()
                guard streamsByID[id] != nil, programme.item(id) == nil else {
                    throw .invalidField(what, "programme item \(id) unknown or listed twice")
                }
                guard cut <= UInt64(Int.max), flags & ItemFlag.cut != 0 || cut == 0,
                    flags & ItemFlag.anchored != 0 || anchor == 0
                else { throw .invalidField(what, "programme item \(id): cut \(cut), anchor \(anchor), flags \(flags)") }
                programme.items.append(
                    ProgrammeItem(
                        stream: id, anchor: flags & ItemFlag.anchored != 0 ? ClusterTime(nanoseconds: anchor) : nil,
                        cutAfterFragment: flags & ItemFlag.cut != 0 ? Int(cut) : nil))
            }
        }
        try r.expectEnd()
    }
}
