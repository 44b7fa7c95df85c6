/// Cuts a media file's packets into fragments, lazily: each `next()` reads just
/// enough packets to finish one fragment, so memory stays flat.
public final class Fragmenter {
    /// The stream the fragments belong to.
    public let header: StreamHeader
    /// Target fragment duration in seconds.
    public let targetSeconds: Double
    /// Called for each warning as it happens (corrupt packet skipped, file ends
    /// early, undecodable leading video dropped).
    public var warningHandler: ((MediaWarning) -> Void)?
    /// Every warning so far, in order.
    public private(set) var warnings: [MediaWarning] = []

    private let demuxer: Demuxer
    private var cutter: FragmentCutter
    private var packets: [MediaPacket] = []
    private var nextIndex = 0
    private var referenceEnd: Int64?
    private var sawAudio = false
    private var droppedLeadingVideo = 0
    private var finished = false

    init(demuxer: Demuxer, targetSeconds: Double) {
        self.demuxer = demuxer
        self.header = demuxer.header
        self.targetSeconds = targetSeconds
        let reference = demuxer.header.referenceTrack
        self.cutter = FragmentCutter(
            reference: reference.kind, targetSeconds: targetSeconds, timeBase: reference.timeBase)
    }

    /// The next fragment, nil after the last.
    /// - Throws: `MediaError` when the file holds no audio packets at all, or (`invalidTiming`) when a
    ///   packet's times break `MediaLimits` (a jump, a time going back, an absurd duration).
    public func next() throws(MediaError) -> Fragment? {
        while !finished {
            switch demuxer.read() {
            case .warning(let message):
                warn(message)
            case .failure(let error):
                finished = true
                packets = []
                throw error
            case .end:
                finished = true
                if droppedLeadingVideo > 0 {
                    warn("\(droppedLeadingVideo) video packets before the first keyframe dropped")
                }
                guard sawAudio else {
                    throw MediaError(.noAudioData, file: demuxer.path, reason: "no audio packets in the file")
                }
                guard !packets.isEmpty else { return nil }
                let start = cutter.start ?? packets.first?.time ?? 0
                let duration = try difference(referenceEnd ?? start, start)
                return close(duration: max(0, duration), start: start)
            case .packet(let packet):
                let startBefore = cutter.start
                switch cutter.decide(packet) {
                case .drop:
                    droppedLeadingVideo += 1
                case .append:
                    append(packet)
                case .cut(let newStart):
                    let start = startBefore ?? newStart
                    let duration = try difference(newStart, start)
                    let fragment = close(duration: duration, start: start)
                    append(packet)
                    return fragment
                }
            }
        }
        return nil
    }

    private func append(_ packet: MediaPacket) {
        if packet.track == .audio { sawAudio = true }
        // The demuxer checked the time and duration against `MediaLimits`; a sum that would not fit is
        // left out rather than trapping.
        if packet.track == cutter.reference, let t = packet.time, let end = t.checkedAdding(max(packet.duration, 0)) {
            referenceEnd = max(referenceEnd ?? end, end)
        }
        packets.append(packet)
    }

    /// `end - start` in ticks; a fragment longer than the maximum programme length is refused (the
    /// demuxer's checks keep times within it, so this is the last line of defence, not the rule).
    private func difference(_ end: Int64, _ start: Int64) throws(MediaError) -> Int64 {
        let timeBase = header.referenceTrack.timeBase
        guard let duration = end.checkedSubtracting(start),
            let limit = MediaLimits.ticks(seconds: MediaLimits.maximumProgrammeSeconds, in: timeBase),
            duration <= limit
        else {
            throw MediaError(
                .invalidTiming, file: demuxer.path,
                reason: "fragment \(nextIndex) would run from \(MediaLimits.describe(start, in: timeBase)) to "
                    + "\(MediaLimits.describe(end, in: timeBase)), more than the maximum programme length")
        }
        return duration
    }

    private func close(duration: Int64, start: Int64) -> Fragment {
        let reference = header.referenceTrack
        let fragment = Fragment(
            index: nextIndex, referenceTrack: reference.kind, timeBase: reference.timeBase, startPTS: start,
            durationPTS: duration, packets: packets)
        nextIndex += 1
        packets = []
        referenceEnd = nil
        return fragment
    }

    private func warn(_ message: String) {
        let warning = MediaWarning(file: demuxer.path, message: message)
        warnings.append(warning)
        warningHandler?(warning)
    }
}

/// Owns FFmpeg state that must not be shared across threads: use one `Fragmenter` from
/// one task at a time.
@available(*, unavailable)
extension Fragmenter: Sendable {}
