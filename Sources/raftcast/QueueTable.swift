import RaftcastClient

/// How `raftcast queue` (and `skip`, `stop`, `queue rm`, `queue move`) print the programme: the playing
/// item on a `▶` line with its position and length, then the upcoming items numbered from 1 (the
/// position `queue move` takes is the number minus one), each with its length and when it starts. A
/// `~` marks a guess (an item whose length or start is not known yet).
enum QueueTable {
    static func render(_ queue: QueueResource) -> String {
        var lines: [String] = []
        if queue.clusterTimeNs == nil { lines.append("(this node has no cluster time yet: nothing is known to play)") }
        if let playing = queue.playing {
            var line = "▶ \(UntrustedText.escaped(playing.name))  \(playing.streamID)  "
            line += "\(TextTable.duration(playing.positionSeconds ?? 0)) / \(length(playing))"
            var notes: [String] = []
            if playing.cut { notes.append("ends early") }
            if playing.ingest != "ended" { notes.append(playing.ingest) }
            if !notes.isEmpty { line += "  (\(notes.joined(separator: ", ")))" }
            lines.append(line)
        } else {
            lines.append("nothing playing")
        }
        if queue.upcoming.isEmpty {
            lines.append("no items queued")
        } else {
            var rows = [["#", "NAME", "ID", "DURATION", "STARTS IN", "STATE"]]
            for (i, item) in queue.upcoming.enumerated() {
                var state = item.state
                if item.ingest != "ended" { state += ", \(item.ingest)" }
                rows.append([
                    "\(i + 1)", UntrustedText.escaped(item.name), item.streamID, length(item), startsIn(item), state,
                ])
            }
            lines.append(TextTable.render(rows))
        }
        return lines.joined(separator: "\n")
    }

    /// The exact length, or `~` and the planned one.
    static func length(_ item: QueueResource.Item) -> String {
        if let exact = item.durationSeconds { return TextTable.duration(exact) }
        return "~" + TextTable.duration(item.plannedDurationSeconds)
    }

    /// Seconds until the (planned) start; `~` unless the start is known.
    static func startsIn(_ item: QueueResource.Item) -> String {
        guard let seconds = item.startsInSeconds else { return "-" }
        return (item.startNs == nil ? "~" : "") + TextTable.duration(max(0, seconds))
    }
}
