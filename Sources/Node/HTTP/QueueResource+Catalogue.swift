import Broadcast
import RaftcastClient

extension QueueResource {
    /// The programme of `catalogue` as seen at cluster time `now`: the item playing then and the ones after
    /// it (items already over are left out). Without cluster time, every item not known to be over is
    /// upcoming.
    init(catalogue: Catalogue, now: ClusterTime?) {
        var playing: Item?
        var upcoming: [Item] = []
        for scheduled in catalogue.programmeSchedule() {
            if let now, scheduled.isOver(at: now) { continue }
            let isPlaying = now.map { scheduled.isPlaying(at: $0) } ?? false
            let item = Item(scheduled, now: now, playing: isPlaying)
            if isPlaying { playing = item } else { upcoming.append(item) }
        }
        self.init(clusterTimeNs: now?.nanoseconds, playing: playing, upcoming: upcoming)
    }
}

extension QueueResource.Item {
    init(_ scheduled: ScheduledItem, now: ClusterTime?, playing: Bool) {
        let rate = Double(Programme.sampleRate)
        let planned = scheduled.plannedStart
        let plannedEnd = scheduled.plannedEnd
        func seconds(_ duration: Duration) -> Double { Double(duration.wholeNanoseconds) / 1e9 }
        let ingest: String
        switch scheduled.stream.state {
        case .live: ingest = "ingesting"
        case .ended: ingest = "ended"
        case .failed: ingest = "failed"
        }
        self.init(
            streamID: scheduled.id.description, name: scheduled.stream.start.name,
            state: playing ? "playing" : scheduled.start == nil ? "waiting" : "queued",
            startNs: scheduled.start?.nanoseconds, plannedStartNs: planned.nanoseconds,
            startsInSeconds: now.map { seconds(planned - $0) },
            positionSeconds: playing ? now.flatMap { now in scheduled.start.map { seconds(now - $0) } } : nil,
            durationSeconds: scheduled.lengthSamples.map { Double($0) / rate },
            plannedDurationSeconds: max(0, seconds(plannedEnd - planned)),
            cut: scheduled.item.cutAfterFragment != nil, ingest: ingest)
    }
}
