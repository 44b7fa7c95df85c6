
/// Renders the demo's live view: a table of the nodes (role, term, commit index, playback state,
/// position, sync error) under a status line, and the latest events.
///
/// ```
/// raftcast demo  12.3 s  ingesting  stream "sample": 4 of 10 fragments committed
/// NODE  PROCESS  ROLE       TERM  COMMIT  PLAYBACK  POSITION  SYNC ERROR
/// n1    killed   -          -     -       -         -         -
/// n2    running  leader     3     42      playing   8.51 s    -0.21 ms
/// n3    running  follower   3     42      playing   8.51 s    0.02 ms
///    2.1 s  leader n1 (term 2)
///    6.0 s  SIGKILL n1, the leader (term 2)
///    6.3 s  new leader n2 (term 3), 312 ms after n1 was killed
/// ```
/// On a terminal the command redraws these lines in place (``redraw(_:previousLineCount:)``), each cut to
/// the terminal's width (``fitted(_:width:)``): a line that wrapped would take two rows, the redraw would
/// move up too few and leave stale lines behind. On a pipe it prints ``plainLine(_:)`` now and then and
/// every event once.
public enum DemoView {
    /// How many events the live view keeps on screen.
    public static let visibleEvents = 6

    /// The lines of the live view, each at most `width - 1` characters when a width is given (the last
    /// column stays free: some terminals wrap as soon as it is written).
    public static func lines(_ snapshot: DemoSnapshot, width: Int?) -> [String] {
        let lines = lines(snapshot)
        guard let width else { return lines }
        return lines.map { fitted($0, width: width) }
    }

    /// `line` cut to at most `width - 1` characters, ending in `…` when cut.
    public static func fitted(_ line: String, width: Int) -> String {
        let room = max(1, width - 1)
        guard line.count > room else { return line }
        return String(line.prefix(room - 1)) + "…"
    }

    /// The lines of the live view, whatever their length.
    public static func lines(_ snapshot: DemoSnapshot) -> [String] {
        var lines = ["raftcast demo  \(DemoFormat.seconds(snapshot.elapsed))  \(snapshot.phase)  \(streamText(snapshot.stream))"]
        let columns = [4, 8, 13, 5, 7, 14, 9]
        func row(_ cells: [String]) -> String {
            zip(cells, columns + [0]).map { $0.padded(to: $1 + 1) }.joined().trimmingTrailingSpaces()
        }
        lines.append(row(["NODE", "PROCESS", "ROLE", "TERM", "COMMIT", "PLAYBACK", "POSITION", "SYNC ERROR"]))
        for node in snapshot.nodes {
            let cluster = node.cluster
            let playback = node.playback
            lines.append(
                row([
                    node.id, processText(node.process),
                    cluster?.role ?? (node.process == .running ? "no answer" : "-"),
                    cluster.map { String($0.term) } ?? "-",
                    cluster.map { String($0.commitIndex) } ?? "-",
                    playback.map(playbackText) ?? "-",
                    playback?.positionSeconds.map { String(format: "%.2f s", $0) } ?? "-",
                    playback?.syncErrorNanoseconds.map { DemoFormat.milliseconds(nanoseconds: $0) } ?? "-",
                ]))
        }
        lines += snapshot.events.suffix(visibleEvents).map(\.line)
        return lines
    }

    /// One line per poll for a pipe: `12.3 s ingesting 4/10 | n1 killed | n2 leader t3 c42 playing 8.51 s -0.21 ms | …`.
    public static func plainLine(_ snapshot: DemoSnapshot) -> String {
        var parts = ["\(DemoFormat.seconds(snapshot.elapsed)) \(snapshot.phase)"]
        if let stream = snapshot.stream {
            parts[0] += " \(stream.committedFragments)/\(stream.expectedFragments.map(String.init) ?? "?")"
        }
        for node in snapshot.nodes {
            guard node.process == .running else {
                parts.append("\(node.id) \(processText(node.process))")
                continue
            }
            guard let cluster = node.cluster else {
                parts.append("\(node.id) no answer")
                continue
            }
            var text = "\(node.id) \(cluster.role) t\(cluster.term) c\(cluster.commitIndex)"
            if let playback = node.playback {
                text += " \(playbackText(playback))"
                if let position = playback.positionSeconds { text += String(format: " %.2f s", position) }
                if let error = playback.syncErrorNanoseconds { text += " " + DemoFormat.milliseconds(nanoseconds: error) }
            }
            parts.append(text)
        }
        return parts.joined(separator: " | ")
    }

    /// The bytes that replace the previous drawing (`previousLineCount` lines, cursor below them)
    /// with `lines` on an ANSI terminal.
    public static func redraw(_ lines: [String], previousLineCount: Int) -> String {
        let up = previousLineCount > 0 ? "\u{1B}[\(previousLineCount)A" : ""
        return up + "\r\u{1B}[J" + lines.map { $0 + "\n" }.joined()
    }

    private static func streamText(_ stream: DemoStreamProgress?) -> String {
        guard let stream else { return "no stream yet" }
        let total = stream.expectedFragments.map { " of \($0)" } ?? ""
        return "stream \"\(stream.name)\": \(stream.committedFragments)\(total) fragments committed, \(stream.state)"
    }

    private static func processText(_ state: DemoNodeSample.ProcessState) -> String {
        switch state {
        case .running: "running"
        case .killed: "killed"
        case .exited(let status): "exit \(status)"
        }
    }

    private static func playbackText(_ status: DemoPlayback) -> String {
        status.fragment.map { "\(status.state) #\($0)" } ?? status.state
    }
}

extension String {
    /// The string without trailing spaces.
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
