import Media

/// One stream as a ``PlaybackEngine`` plays it: its committed fragments not yet decoded, one
/// decoder (with its resampler) kept across fragments, the decoded PCM ahead of the playhead, the
/// playout scheduler and the play-log tracker.
///
/// Decoding is just in time: ``decode(need:horizon:)`` decodes the next fragment only while less
/// than `horizon` samples are decoded ahead of the playhead.
///
/// ```
///  committed fragments ─▶ held (by index) ──decode (in index order)──▶ buffer ──take──▶ sink
///                                   │  one decoder run: k, k+1, k+2, …  (bit-exact, no pre-roll)
///                                   │  a new run (join, gap): reset; pre-roll fragment k−1 if held,
///                                   └─ else the first packets of k (their output dropped)
/// ```
/// Every time it derives from a fragment is computed in 128 bits and checked: a time whose sample index
/// lies beyond ``sampleLimit`` sets ``failure`` (the engine then drops the stream) instead of trapping.
final class PlaybackStream {
    /// The stream's id in the replicated state.
    let id: StreamID
    /// The stream's audio and video tracks.
    let header: StreamHeader
    /// Where the stream lies on the cluster timeline.
    let timeline: StreamTimeline
    /// What to play when.
    var scheduler: PlayoutScheduler
    /// Turns played chunks into play-log records.
    var tracker: FragmentPlayTracker
    /// Decoded PCM ahead of the playhead.
    private(set) var buffer: PlaybackBuffer
    /// The number of fragments, once the stream has ended.
    private(set) var fragmentCount: Int?
    /// Where each fragment seen lies in the stream (pruned behind the playhead).
    private(set) var spans: [FragmentPlayTracker.Fragment] = []
    /// Decoder runs started after a gap or a join (the first run from fragment 0 does not count).
    private(set) var decoderResets = 0
    /// Fragments decoded.
    private(set) var fragmentsDecoded = 0
    /// Fragments dropped without being decoded (committed too late to be played).
    private(set) var fragmentsSkipped = 0
    /// Why the stream cannot be played (a time beyond the timeline); set once, never cleared.
    private(set) var failure: String?
    /// The fragment whose times are being placed, for ``failure``.
    private var placing: Int?

    /// Sample indices beyond ±2⁵⁰ (about 744 years at 48 kHz) mean a broken timestamp: sums and
    /// differences of such indices always fit in 64 bits.
    static let sampleLimit: Int64 = 1 << 50

    private let decoder: AudioDecoder
    private let channels: Int
    private let sampleRate: Int64
    private var held: [Int: Fragment] = [:]
    private var run: DecoderRun?

    /// The fragments one decoder run went through.
    private struct DecoderRun {
        /// The last fragment decoded.
        var last: Int
        /// The stream sample after the last one the run produced.
        var end: Int64
        /// The decoder was drained at the stream's end.
        var finished = false
    }

    /// A stream decoded to `format` and scheduled on `timeline`.
    init(
        id: StreamID, header: StreamHeader, timeline: StreamTimeline, format: PCMFormat,
        playout: PlayoutScheduler.Configuration, node: String
    ) throws(MediaError) {
        self.id = id
        self.header = header
        self.timeline = timeline
        decoder = try AudioDecoder(header: header, output: format, file: "stream \(id)")
        channels = format.channels
        sampleRate = Int64(format.sampleRate)
        buffer = PlaybackBuffer(channels: format.channels)
        scheduler = PlayoutScheduler(timeline: timeline, configuration: playout)
        tracker = FragmentPlayTracker(node: node, stream: id)
    }

    /// Corrupt audio packets the decoder skipped.
    var decoderWarnings: Int { decoder.warnings.count }

    /// The last fragment taken, as the catalogue would hold it (for ``CatalogueLimits``).
    private var lastAdded: CatalogueFragment?

    /// Committed fragments held and not yet decoded.
    var heldFragmentCount: Int { held.count }

    /// Where playback of the stream ends: its length in samples once the last fragment is decoded
    /// and the decoder drained. If the stream has ended and its last fragment can no longer come
    /// (nothing is held and the run cannot reach it), the end of the last fragment seen: playback
    /// stops there rather than stalling for ever. Nil while more may come.
    /// With ``playUntil`` set, playback ends there at the latest.
    var end: Int64? {
        guard let playUntil else { return naturalEnd }
        return min(playUntil, naturalEnd ?? playUntil)
    }

    /// Where the programme stops the stream whatever the decoder has (a cut, or the next item starting at
    /// its declared end); nil: play to the decoder's end.
    var playUntil: Int64?

    private var naturalEnd: Int64? {
        if let run, run.finished { return run.end }
        guard let count = fragmentCount, held.isEmpty, count == 0 || (run?.last ?? -1) < count - 1 else { return nil }
        return spans.last?.samples.upperBound ?? 0
    }

    /// Takes a committed fragment. Fragments already decoded past, or repeated, are ignored. A fragment
    /// that breaks ``CatalogueLimits`` (the catalogue of a build before them let it in) sets ``failure``.
    func add(index: Int, fragment: Fragment) {
        guard failure == nil, index >= 0, held[index] == nil, index > (run?.last ?? -1) else { return }
        if let count = fragmentCount, index >= count { return }
        let previous = lastAdded.flatMap { $0.index == index - 1 ? $0 : nil }
        if let reason = CatalogueLimits.violation(of: fragment, header: header, previous: previous) {
            fail("fragment \(index): \(reason)")
            return
        }
        lastAdded = CatalogueFragment(
            index: index, timeBase: fragment.timeBase, startPTS: fragment.startPTS, durationPTS: fragment.durationPTS,
            byteCount: 0, startsWithKeyframe: fragment.startsWithKeyframe, packetCount: fragment.packets.count,
            logIndex: 0, hash: 0)
        held[index] = fragment
        guard let span = span(of: fragment, index: index) else { return }
        let position = spans.firstIndex { $0.index > index } ?? spans.endIndex
        if position > 0, spans[position - 1].index == index { return }
        spans.insert(span, at: position)
    }

    /// Records the stream's length in fragments.
    func ended(fragmentCount count: Int) {
        fragmentCount = count
        held = held.filter { $0.key < count }
    }

    /// The fragment holding stream sample `sample`, among those seen.
    func fragment(containing sample: Int64) -> FragmentPlayTracker.Fragment? {
        spans.last { $0.firstSample <= sample && sample < $0.samples.upperBound }
    }

    /// Decodes fragments until `horizon` samples past `need` (the next sample the playhead needs)
    /// are decoded, or nothing more can be; drops fragments and PCM the playhead has passed.
    /// `playing` says whether playback is under way (then PCM before `need` is never needed).
    func decode(need: Int64, horizon: Int64, playing: Bool) {
        guard failure == nil else { return }
        if playing { buffer.drop(before: need) }
        prune(need: need)
        // Bounded: every step decodes or drains, or stops.
        for _ in 0...(held.count + 1) {
            if let bufferEnd = buffer.end, bufferEnd >= need + horizon { return }
            guard step(need: need), failure == nil else { return }
        }
    }

    /// One decoding step; false when nothing can be decoded now.
    private func step(need: Int64) -> Bool {
        if let run, !run.finished {
            // The run goes on with the next fragment unless the playhead has passed all of it (a
            // fragment without audio has no span and adds nothing, but keeps the run going).
            let nextSpan = spans.first { $0.index == run.last + 1 }
            if let next = held[run.last + 1], nextSpan.map({ $0.samples.upperBound > need }) ?? true {
                if let nextSpan, abs(nextSpan.firstSample - run.end) > Self.slipTolerance {
                    // The run's output no longer lines up with the fragments' timestamps (the
                    // decoder skipped a corrupt packet): start again on this fragment's position.
                    startRun(at: nextSpan)
                    return true
                }
                held[run.last + 1] = nil
                let pcm = decoder.decode(next)
                append(pcm.samples, lastFragment: run.last + 1)
                fragmentsDecoded += 1
                return true
            }
            if let count = fragmentCount, run.last == count - 1 {
                append(decoder.finish().samples, lastFragment: run.last)
                self.run?.finished = true
                return true
            }
        }
        if run?.finished == true { return false }
        // A new run: the first held fragment after the run that the playhead still needs, once it
        // is within reach (a missing fragment before it is given up only then).
        let after = run?.last ?? -1
        guard
            let span = spans.first(where: {
                $0.index > after && held[$0.index] != nil && $0.samples.upperBound > need
            })
        else { return false }
        if run != nil, span.firstSample > need + horizonForNewRun { return false }
        startRun(at: span)
        return true
    }

    /// How far a decoder run's end may lie from the next fragment's first sample: the resampler
    /// holds back a few samples (17 for 44.1 → 48 kHz); a skipped packet is a thousand or more.
    static let slipTolerance: Int64 = 256

    /// How far ahead of the playhead a run past a missing fragment is started (its pre-roll and
    /// decode must be done before its first sample is due).
    private var horizonForNewRun: Int64 { sampleRate }

    /// Starts a decoder run at fragment `span.index`: reset, pre-roll, decode.
    private func startRun(at span: FragmentPlayTracker.Fragment) {
        guard let fragment = held.removeValue(forKey: span.index) else { return }
        let continuesFromStart = run == nil && span.index == 0
        if !continuesFromStart {
            decoder.reset()
            decoderResets += 1
        }
        buffer.drop(from: span.firstSample)
        var start = span.firstSample
        var pcm: PCMBuffer
        if continuesFromStart {
            pcm = decoder.decode(fragment)
        } else if let previous = held[span.index - 1] {
            decoder.preroll([previous])
            pcm = decoder.decode(fragment)
        } else {
            // No previous fragment: its own first packets are the pre-roll, and playback of this
            // run starts at the first packet after them.
            let audio = fragment.packets(of: .audio)
            let count = Self.prerollPacketCount(audio, codec: header.audio.codecName)
            placing = span.index
            guard count < audio.count, let time = audio[count].time else {
                fragmentsSkipped += 1
                return
            }
            var prerollFragment = fragment
            prerollFragment.packets = Array(audio[..<count])
            decoder.preroll([prerollFragment])
            pcm = decoder.decode(packets: audio[count...])
            start = max(0, sampleIndex(ofTime: time))
        }
        run = DecoderRun(last: span.index, end: start)
        append(pcm.samples, lastFragment: span.index)
        fragmentsDecoded += 1
        held = held.filter { $0.key > span.index }
    }

    /// Appends a decoder run's output.
    private func append(_ samples: [Int16], lastFragment: Int) {
        guard let current = run else { return }
        buffer.append(samples, at: current.end)
        run?.end = current.end + Int64(samples.count / channels)
        run?.last = lastFragment
    }

    /// Drops what the playhead has passed: fragments whose samples are all behind it (keeping the
    /// one just before the first still needed, for pre-roll) and their spans.
    private func prune(need: Int64) {
        for index in held.keys.sorted() {
            guard let span = spans.first(where: { $0.index == index }), span.samples.upperBound <= need else { continue }
            let nextStillNeeded = spans.first { $0.index == index + 1 }.map { $0.samples.upperBound > need } ?? false
            if !nextStillNeeded {
                held[index] = nil
                fragmentsSkipped += 1
            }
        }
        // Spans are kept a little behind the playhead: the tracker needs the one being played.
        while spans.count > 1, spans[1].samples.upperBound <= need, spans[0].samples.upperBound <= need {
            spans.removeFirst()
        }
    }

    /// Where `fragment` lies on the stream's output sample timeline: from its first audio packet to
    /// the end of its last (the decoder's output position of those times, as it rounds them).
    /// Nil when it has no audio, or when its times are broken (then ``failure`` is set).
    private func span(of fragment: Fragment, index: Int) -> FragmentPlayTracker.Fragment? {
        let audio = fragment.packets(of: .audio)
        guard let first = audio.first?.time, let last = audio.last, let lastTime = last.time else { return nil }
        placing = index
        let (lastEnd, overflow) = lastTime.addingReportingOverflow(last.duration)
        if overflow { fail("fragment \(index): its last audio packet ends beyond 64-bit time") }
        let firstSample = index == 0 ? 0 : max(0, sampleIndex(ofTime: first))
        let end = max(firstSample, sampleIndex(ofTime: lastEnd))
        guard failure == nil else { return nil }
        return FragmentPlayTracker.Fragment(index: index, firstSample: firstSample, sampleCount: end - firstSample)
    }

    /// The output sample index of audio time `time` (track ticks), rounded up, as the decoder
    /// places it: `⌈(time − startPTS) · timeBase · rate⌉`, in 128 bits. A time base that is not positive,
    /// or an index beyond ±``sampleLimit``, sets ``failure`` and gives 0.
    func sampleIndex(ofTime time: Int64) -> Int64 {
        let track = header.audio
        guard track.timeBase.numerator > 0, track.timeBase.denominator > 0 else {
            fail("audio time base \(track.timeBase) is not positive")
            return 0
        }
        let numerator = (Int128(time) - Int128(track.startPTS)) * Int128(track.timeBase.numerator) * Int128(sampleRate)
        let index = -floorDivMod(-numerator, Int128(track.timeBase.denominator)).quotient
        guard index.magnitude <= UInt128(Self.sampleLimit) else {
            fail(
                (placing.map { "fragment \($0): " } ?? "")
                    + "audio time \(time) ticks of \(track.timeBase) lies beyond the timeline (sample \(index))")
            return 0
        }
        return Int64(index)
    }

    private func fail(_ reason: String) {
        if failure == nil { failure = reason }
    }

    /// Packets of a fragment used as pre-roll when no previous fragment is held: what the codec
    /// needs before its output is right (MP3's bit reservoir borrows up to 511 bytes and frames
    /// overlap; AAC overlaps one frame).
    static func prerollPacketCount(_ packets: [MediaPacket], codec: String) -> Int {
        let (minimumPackets, minimumBytes) =
            switch codec {
            case "mp3", "mp2", "mp1": (4, 1536)
            case "aac": (3, 0)
            default: (4, 0)
            }
        var bytes = 0
        for (count, packet) in packets.enumerated() {
            if count >= minimumPackets && bytes >= minimumBytes { return count }
            bytes += packet.data.count
        }
        return packets.count
    }

    /// Takes the samples of a chunk to play.
    func take(_ range: Range<Int64>) -> [Int16] {
        buffer.take(range)
    }

    /// Drops decoded PCM before `position` (the playhead skipped to it).
    func skip(to position: Int64) {
        buffer.drop(before: position)
    }
}
