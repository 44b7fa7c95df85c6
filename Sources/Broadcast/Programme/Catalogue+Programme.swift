/// The programme's rules inside the catalogue: the schedule derived from the log, and how stream starts,
/// removals and ``QueueCommand``s change the programme (docs/catalogue.md, "The programme").
extension Catalogue {
    // MARK: Schedule

    /// Every programme item with its times, in play order: a pure function of the committed log.
    public func programmeSchedule() -> [ScheduledItem] {
        var schedule: [ScheduledItem] = []
        schedule.reserveCapacity(programme.items.count)
        var previousEnd: ClusterTime?
        var chainKnown = true
        var plannedPrevious: ClusterTime?
        for item in programme.items {
            guard let stream = streamsByID[item.stream] else { continue }
            let earliest = stream.start.startClusterTime
            let start: ClusterTime? =
                item.anchor ?? (chainKnown ? max(previousEnd ?? earliest, earliest) : nil)
            let length = Self.programmeLength(of: stream, cutAfter: item.cutAfterFragment)
            let end = start.flatMap { start in length.map { Self.programmeTime(start, plus: $0) } }
            let plannedStart = start ?? max(plannedPrevious ?? earliest, earliest)
            let plannedLength = length ?? Self.estimatedLength(of: stream)
            let plannedEnd = Self.programmeTime(plannedStart, plus: plannedLength)
            schedule.append(
                ScheduledItem(
                    stream: stream, item: item, start: start, end: end, lengthSamples: length, playUntil: nil,
                    plannedStart: plannedStart, plannedEnd: plannedEnd))
            previousEnd = end
            chainKnown = end != nil
            plannedPrevious = plannedEnd
        }
        for index in schedule.indices {
            guard let end = schedule[index].end else { continue }
            let cut = schedule[index].item.cutAfterFragment.map { $0 < schedule[index].stream.fragments.count } ?? false
            let followedAtOnce = index + 1 < schedule.count && schedule[index + 1].start == end
            if cut || followedAtOnce { schedule[index].playUntil = end }
        }
        return schedule
    }

    /// The scheduled item of `stream`, if it is in the programme.
    public func scheduledItem(_ stream: StreamID) -> ScheduledItem? {
        programmeSchedule().first { $0.id == stream }
    }

    /// `start` plus `samples` programme samples, rounded up to the nanosecond (clamped, never trapping).
    static func programmeTime(_ start: ClusterTime, plus samples: Int64) -> ClusterTime {
        StreamTimeline(start: start, sampleRate: Programme.sampleRate).clusterTime(ofSample: samples)
    }

    /// An item's exact length in programme samples: to the end of its cut fragment once that is committed,
    /// else to its last fragment's audio end once the stream is final; nil while not known.
    static func programmeLength(of stream: CatalogueStream, cutAfter: Int?) -> Int64? {
        if let cutAfter, cutAfter < stream.fragments.count {
            return audioEnd(of: stream, through: cutAfter)
        }
        guard stream.isFinal else { return nil }
        return audioEnd(of: stream, through: stream.fragments.count - 1)
    }

    /// The audio end of the last fragment at or before `index` that has audio (0 when none has).
    static func audioEnd(of stream: CatalogueStream, through index: Int) -> Int64 {
        guard index >= 0 else { return 0 }
        var position = min(index, stream.fragments.count - 1)
        while position >= 0 {
            if let end = stream.fragments[position].audioEndSample { return max(0, end) }
            position -= 1
        }
        return 0
    }

    /// A guess at a live stream's length for planned times: its expected fragment count times its fragment
    /// length, or what is committed.
    static func estimatedLength(of stream: CatalogueStream) -> Int64 {
        let committed = audioEnd(of: stream, through: stream.fragments.count - 1)
        guard let expected = stream.start.expectedFragmentCount else { return committed }
        let seconds = Double(expected) * stream.start.fragmentSeconds
        guard seconds.isFinite, seconds >= 0, seconds < 1e9 else { return committed }
        return max(committed, Int64(seconds * Double(Programme.sampleRate)))
    }

    // MARK: Changes

    /// A stream start joins the programme: at the end, or (an interrupting start) right after the item
    /// playing at its start time, which is cut at its next fragment boundary.
    mutating func enqueue(_ start: CatalogueStreamStart) {
        forgetHistory(before: start.startClusterTime)
        guard start.interruptsProgramme else {
            programme.items.append(ProgrammeItem(stream: start.id))
            return
        }
        let at = start.startClusterTime
        let schedule = programmeSchedule()
        if let playing = schedule.first(where: { $0.isPlaying(at: at) }),
            let index = programme.items.firstIndex(where: { $0.stream == playing.id })
        {
            cut(playing, at: at)
            programme.items.insert(ProgrammeItem(stream: start.id), at: index + 1)
        } else if let next = schedule.first(where: { !$0.isOver(at: at) }),
            let index = programme.items.firstIndex(where: { $0.stream == next.id })
        {
            programme.items.insert(ProgrammeItem(stream: start.id), at: index)
        } else {
            programme.items.append(ProgrammeItem(stream: start.id))
        }
    }

    /// A removed stream leaves the programme; the items after it keep their rule (they follow the item
    /// before it).
    mutating func dropFromProgramme(_ stream: StreamID) {
        programme.items.removeAll { $0.stream == stream }
    }

    /// Applies a queue decision taking effect at cluster time `at`.
    mutating func applyQueue(_ command: QueueCommand, at: ClusterTime) -> CatalogueEvent {
        forgetHistory(before: at)
        let schedule = programmeSchedule()
        let playing = schedule.first { $0.isPlaying(at: at) }
        let upcoming = schedule.filter { !$0.isPlaying(at: at) && !$0.isOver(at: at) }
        func refuse(_ reason: String) -> CatalogueEvent { .ignored(.queueRefused(command, reason: reason)) }
        switch command {
        case .skip:
            if let playing {
                cut(playing, at: at)
            } else if let next = upcoming.first {
                dropFromProgramme(next.id)
            } else {
                return refuse("nothing is playing or queued")
            }
        case .stop:
            guard playing != nil || !upcoming.isEmpty else { return refuse("nothing is playing or queued") }
            if let playing { cut(playing, at: at) }
            for item in upcoming { dropFromProgramme(item.id) }
        case .remove(let id):
            if playing?.id == id, let playing {
                cut(playing, at: at)
            } else if upcoming.contains(where: { $0.id == id }) {
                dropFromProgramme(id)
            } else {
                return refuse(streamsByID[id] == nil ? "no stream \(id)" : "stream \(id) is not playing or queued")
            }
        case let .move(id, position):
            guard upcoming.contains(where: { $0.id == id }) else {
                return refuse(streamsByID[id] == nil ? "no stream \(id)" : "stream \(id) is not queued (only upcoming items move)")
            }
            guard position >= 0 else { return refuse("position \(position) is negative") }
            let others = upcoming.map(\.id).filter { $0 != id }
            guard let moving = programme.items.first(where: { $0.stream == id }) else { return refuse("no stream \(id)") }
            dropFromProgramme(id)
            if position < others.count, let index = programme.items.firstIndex(where: { $0.stream == others[position] }) {
                programme.items.insert(moving, at: index)
            } else {
                programme.items.append(moving)
            }
        }
        return .queueChanged(command, at: at)
    }

    /// Cuts `playing` at its first fragment boundary at or after `at` (an earlier cut stays).
    private mutating func cut(_ playing: ScheduledItem, at: ClusterTime) {
        guard let index = programme.items.firstIndex(where: { $0.stream == playing.id }),
            let fragment = Self.cutFragment(playing, at: at)
        else { return }
        let current = programme.items[index].cutAfterFragment
        programme.items[index].cutAfterFragment = min(current ?? fragment, fragment)
    }

    /// The fragment whose audio end is the first boundary at or after `at`: among the committed fragments,
    /// or, when none reaches `at` yet (a live stream), the one that will by the stream's fragment length.
    /// Nil when the item has no start or its stream ends before `at` anyway.
    static func cutFragment(_ item: ScheduledItem, at: ClusterTime) -> Int? {
        guard let start = item.start else { return nil }
        let stream = item.stream
        var lastEnd: Int64 = 0
        for fragment in stream.fragments {
            guard let end = fragment.audioEndSample else { continue }
            lastEnd = end
            if programmeTime(start, plus: end) >= at { return fragment.index }
        }
        guard !stream.isFinal else { return nil }
        let remaining = Double((at - programmeTime(start, plus: lastEnd)).wholeNanoseconds) / 1e9
        let ahead = (remaining / max(stream.start.fragmentSeconds, 0.1)).rounded(.up)
        guard ahead.isFinite, ahead < 1e9 else { return nil }
        return stream.fragments.count - 1 + max(1, Int(ahead))
    }

    /// Forgets items over more than ``Programme/history`` before `at`; the first item kept is anchored
    /// where it starts now, so its timeline does not move.
    private mutating func forgetHistory(before at: ClusterTime) {
        let horizon = at - Programme.history
        let schedule = programmeSchedule()
        guard let keep = schedule.firstIndex(where: { !$0.isOver(at: horizon) }) else {
            programme.items.removeAll()
            return
        }
        guard keep > 0 else { return }
        let forgotten = Set(schedule[..<keep].map(\.id))
        programme.items.removeAll { forgotten.contains($0.stream) }
        if let start = schedule[keep].start, let index = programme.items.firstIndex(where: { $0.stream == schedule[keep].id }) {
            programme.items[index].anchor = start
        }
    }
}
