import Foundation

/// The bounds every time, duration and size read from a media file (or from a record made of one) must
/// keep. They are checked where the value enters — the demuxer's stream description and each packet it
/// reads (`PacketTimeline`), the fragment and stream header records — so that everything downstream
/// (the fragment cutter, the decoder, the ingest's playout clock, the playback timeline) can compute in
/// `Int64` ticks, samples or nanoseconds without overflowing.
///
/// Figures for the worst case these bounds allow: 7 days at the finest time base a file can declare
/// (1/2³¹ s) is 1.3 × 10¹⁵ ticks, 2.9 × 10¹⁰ samples at 48 kHz, 6.0 × 10¹⁴ ns — all far inside `Int64`
/// (9.2 × 10¹⁸), even multiplied by a time base numerator or a sample rate (< 2³¹).
public enum MediaLimits {
    /// Longest programme accepted, in seconds: 7 days. Every timestamp of a file (and every duration
    /// its container declares) must lie within it; a longer broadcast is a series of files. A file
    /// claiming more (an MP3 whose Xing header counts 2³² frames, an MP4 track whose `mdhd` declares
    /// 2⁶² ticks) is refused rather than believed.
    public static let maximumProgrammeSeconds: Int64 = 7 * 24 * 3600

    /// How far before 0 a timestamp may lie, in seconds: 10. Encoder delay (AAC priming: −21 ms),
    /// B-frame reordering (a few frames) and MP4 edit lists put the first packets slightly before 0;
    /// nothing real starts 10 s before it. A time below (e.g. a `tfdt` whose top bit is set, read as
    /// a negative number) is refused.
    public static let leadInSeconds: Int64 = 10

    /// Largest gap allowed between consecutive packets of one track, beyond the earlier packet's
    /// duration, in seconds: 10. Real files are continuous (a damaged recording drops a few hundred
    /// milliseconds); a larger jump is a damaged or crafted timeline, not silence worth broadcasting.
    /// With `maximumPacketSeconds` it also bounds a fragment: at most its target plus 70 s.
    public static let maximumGapSeconds: Int64 = 10

    /// Longest duration one packet may declare, in seconds: 60 (the longest fragment target). An audio
    /// frame lasts tens of milliseconds, a video frame of a slide show a few seconds.
    public static let maximumPacketSeconds: Int64 = 60

    /// Largest distance between a packet's presentation and decode times, in seconds: 10. B-frame
    /// reordering delays presentation by a few frames; audio presents as it decodes.
    public static let maximumReorderSeconds: Int64 = 10

    /// Largest bit rate a track may declare, in bit/s: 100 Mbit/s (uncompressed 7.1 audio at 192 kHz and
    /// 32 bits is 49 Mbit/s). A larger one (an MP3 whose Xing header counts 2³² bytes) is ignored.
    public static let maximumBitRate: Int64 = 100_000_000

    /// `seconds` in ticks of `timeBase`, rounded towards zero, or nil when the time base is not a
    /// positive fraction or the result does not fit.
    static func ticks(seconds: Int64, in timeBase: TimeBase) -> Int64? {
        guard timeBase.numerator > 0, timeBase.denominator > 0 else { return nil }
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: Int64(timeBase.denominator))
        guard !overflow else { return nil }
        return scaled / Int64(timeBase.numerator)
    }

    /// The range of timestamps accepted in `timeBase`: −`leadInSeconds` … `maximumProgrammeSeconds`.
    /// Nil when the time base is not a positive fraction.
    static func timestampRange(in timeBase: TimeBase) -> ClosedRange<Int64>? {
        guard let earliest = ticks(seconds: leadInSeconds, in: timeBase),
            let latest = ticks(seconds: maximumProgrammeSeconds, in: timeBase)
        else { return nil }
        return -earliest...latest
    }

    /// Why `timeBase` cannot time a track, nil when it can (a positive fraction).
    static func problem(with timeBase: TimeBase) -> String? {
        timeBase.numerator > 0 && timeBase.denominator > 0 ? nil : "time base \(timeBase) is not a positive fraction"
    }

    /// `ticks` of `timeBase` in seconds for a message ("1.2e+08 s", "12.500 s").
    static func describe(_ ticks: Int64, in timeBase: TimeBase) -> String {
        let seconds = timeBase.seconds(ticks)
        return abs(seconds) < 1e7 ? String(format: "%.3f s", seconds) : String(format: "%.3g s", seconds)
    }

    /// The limit in words, for messages: "7 days".
    static var programmeLimitText: String { "\(maximumProgrammeSeconds / 86_400) days" }
}
