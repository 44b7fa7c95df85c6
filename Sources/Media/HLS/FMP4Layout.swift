/// The fixed choices of the fMP4 (CMAF) segments `FMP4Writer` makes, in one place (docs/hls.md).
///
/// Layout (libavformat's MP4 muxer, fragmented, written to memory):
/// - init segment: `ftyp` + `moov` (`mvhd`, one `trak` per track — video first when present, then
///   audio — with an empty sample table, and `mvex`/`trex`); no `free`, `mdat` or `mfra`.
/// - media segment `n`: one `moof` (`mfhd` sequence number `n + 1`, one `traf` per track that has
///   packets in the fragment: `tfhd` with default-base-is-moof, `tfdt` version 1, `trun` with each
///   sample's duration, size, flags and composition offset) followed by one `mdat` holding the
///   fragment's packets track by track in decode order.
/// Every packet keeps its bytes; every timestamp is the packet's own in its track's time base plus
/// `decodeTimeOffsetSeconds`, so no fragment needs another to be written (a pure function of the
/// stream header and the fragment).
enum FMP4Layout {
    /// `movflags`: fragments only when asked for (one per fragment), the `moov` written empty at the
    /// header, `tfhd` offsets from the `moof` (CMAF), every fragment's decode time its own (`tfdt` from
    /// the first packet's dts, not from the previous fragment), no `mfra`/`sidx` trailer.
    static let movflags = "frag_custom+empty_moov+default_base_moof+frag_discont+skip_trailer"
    /// Timestamps shifted later by this much (each track in its own time base) so that H.264 with
    /// B-frames (first dts < 0) and AAC priming (first pts < 0) never need a negative `tfdt`; edit
    /// lists are not written (`use_editlist 0`), players start from the first segment's time.
    static let decodeTimeOffsetSeconds: Int64 = 10
    /// Size of the muxer's write buffer (bytes reach the segment when it flushes or fills).
    static let ioBufferSize = 64 << 10
}
