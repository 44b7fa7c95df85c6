import BinaryCoding

/// Stream header record, version 1 (inside the envelope of `WireFormat`;
/// integers little endian, `str` = u16 length + UTF-8, `blob` = u32 length + bytes):
///
///     str   container name
///     u8    track count (1 = audio, 2 = audio then video)
///     per track:
///       u8   kind (0 audio, 1 video)      i32  codec id (AVCodecID)
///       str  codec name                   u32  codec tag
///       i32  format (sample/pixel)        i64  bit rate
///       i32  bits per coded sample        i32  bits per raw sample
///       i32  profile                      i32  level
///       i32  width                        i32  height
///       i32  sample rate                  i32  channel order
///       i32  channel count                u64  channel mask
///       i32  frame size                   i32  initial padding
///       i32  trailing padding             i32  seek preroll
///       i32  block align                  i32  time base num, i32 den
///       i64  start pts                    i64  duration (INT64_MIN = unknown)
///       blob extradata
extension StreamHeader {
    /// The header as a version-1 record ("RCSH").
    public func encoded() -> [UInt8] {
        let tracks = [audio] + (video.map { [$0] } ?? [])
        let capacity = 256 + tracks.reduce(0) { $0 + $1.extradata.count }
        return WireFormat.seal(magic: WireFormat.streamHeaderMagic, capacity: capacity) { w in
            w.string(containerName)
            w.u8(UInt8(tracks.count))
            for t in tracks { t.write(to: &w) }
        }
    }

    /// Decodes a record made by `encoded()`.
    /// - Throws: `WireFormatError` for truncated, foreign, damaged or newer bytes.
    public init(decoding record: [UInt8]) throws(WireFormatError) {
        let result: Result<StreamHeader, WireFormatError> = record.withUnsafeBytes { raw in
            do throws(WireFormatError) {
                return .success(try Self.parse(raw))
            } catch {
                return .failure(error)
            }
        }
        self = try result.get()
    }

    private static func parse(_ raw: UnsafeRawBufferPointer) throws(WireFormatError) -> StreamHeader {
        var r = try WireFormat.open(raw, magic: WireFormat.streamHeaderMagic, kind: "stream header")
        let container = try r.string()
        let count = try r.u8()
        guard count == 1 || count == 2 else { throw .invalidField("track count \(count)") }
        let audio = try TrackInfo(reading: &r)
        guard audio.kind == .audio else { throw .invalidField("first track is not audio") }
        var video: TrackInfo?
        if count == 2 {
            let v = try TrackInfo(reading: &r)
            guard v.kind == .video else { throw .invalidField("second track is not video") }
            video = v
        }
        try r.expectEnd("stream header")
        return StreamHeader(containerName: container, audio: audio, video: video)
    }
}

extension TrackInfo {
    fileprivate func write(to w: inout LittleEndianWriter) {
        w.u8(kind.rawValue)
        w.i32(codecID)
        w.string(codecName)
        w.u32(codecTag)
        w.i32(format)
        w.i64(bitRate)
        for v in [
            bitsPerCodedSample, bitsPerRawSample, profile, level, width, height, sampleRate, channelOrder,
            channelCount,
        ] { w.i32(v) }
        w.u64(channelMask)
        for v in [
            frameSize, initialPadding, trailingPadding, seekPreroll, blockAlign, timeBase.numerator,
            timeBase.denominator,
        ] { w.i32(v) }
        w.i64(startPTS)
        w.i64(durationPTS ?? Int64.min)
        w.lengthPrefixed(extradata)
    }

    fileprivate init(reading r: inout ByteReader) throws(WireFormatError) {
        let rawKind = try r.u8()
        guard let kind = TrackKind(rawValue: rawKind) else { throw .invalidField("track kind \(rawKind)") }
        let codecID = try r.i32()
        let codecName = try r.string()
        let codecTag = try r.u32()
        let format = try r.i32()
        let bitRate = try r.i64()
        var a: [Int32] = []
        for _ in 0..<9 { a.append(try r.i32()) }
        let channelMask = try r.u64()
        var b: [Int32] = []
        for _ in 0..<7 { b.append(try r.i32()) }
        guard b[6] != 0 else { throw .invalidField("time base denominator 0") }
        let startPTS = try r.i64()
        let duration = try r.i64()
        let extradata = try r.lengthPrefixed()
        self.init(
            kind: kind, codecID: codecID, codecName: codecName, codecTag: codecTag, format: format,
            bitRate: bitRate, bitsPerCodedSample: a[0], bitsPerRawSample: a[1], profile: a[2], level: a[3],
            width: a[4], height: a[5], sampleRate: a[6], channelOrder: a[7], channelCount: a[8],
            channelMask: channelMask, frameSize: b[0], initialPadding: b[1], trailingPadding: b[2],
            seekPreroll: b[3], blockAlign: b[4], timeBase: TimeBase(b[5], b[6]), startPTS: startPTS,
            durationPTS: duration == Int64.min ? nil : duration, extradata: extradata)
    }
}
