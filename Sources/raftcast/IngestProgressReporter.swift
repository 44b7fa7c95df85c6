import RaftcastClient

/// Prints `raftcast ingest`'s progress on stderr: on a terminal one line redrawn in place, otherwise
/// plain lines at most once per second (and on every leader change or acceptance); the closing summary
/// on stdout.
final class IngestProgressReporter {
    private let streamID: String
    private let terminal: Terminal
    private let started = ContinuousClock.now
    private var lastPlainLine: ContinuousClock.Instant?
    private var totalFragments = 0
    private var leaderID: String?
    private var lastRetryReason: String?

    init(streamID: String, terminal: Terminal) {
        self.streamID = streamID
        self.terminal = terminal
    }

    /// Shows one event of the client.
    func handle(_ event: IngestClient.Event) {
        switch event {
        case .leader(let leader):
            if leader.id != leaderID {
                leaderID = leader.id
                line("ingest: leader \(leader.id) at \(leader.http.host):\(leader.http.port), term \(leader.term)")
            }
        case .uploading(let sent, let size):
            let text = "upload: \(IngestProgressLine.decimal(Double(sent) / 1e6, 1))/\(IngestProgressLine.decimal(Double(size) / 1e6, 1)) MB"
            update(text, plain: text)
        case .accepted(let total, let complete):
            totalFragments = total
            lastRetryReason = nil
            line("ingest: stream \(streamID) \(complete ? "already complete" : "accepted"), \(total) fragments")
        case .progress(let status):
            let progress = line(for: status)
            update(progress.bar(), plain: progress.plain())
        case .retrying(let reason):
            if reason != lastRetryReason {
                lastRetryReason = reason
                line("ingest: \(UntrustedText.escaped(reason)); retrying")
            }
        }
    }

    /// Clears the redrawn line (before an error line).
    func clear() {
        if terminal.isInteractive { terminal.write("\r\u{1B}[2K") }
    }

    /// Prints the closing summary.
    func finish(_ outcome: IngestClient.Outcome) {
        let progress = line(for: outcome.stream)
        if terminal.isInteractive {
            terminal.redraw(progress.bar())
            terminal.write("\n")
        } else {
            terminal.writeLine(progress.plain())
        }
        Terminal.standardOutput.writeLine("stream \(streamID): \(progress.summary())")
        if outcome.endedEarly {
            Terminal.standardOutput.writeLine(
                "stream \(streamID): ended after \(outcome.stream.committedFragments) of \(outcome.totalFragments) fragments: "
                    + "the queue skipped or removed it, so the rest will not play")
        }
    }

    private func line(for status: StreamResource) -> IngestProgressLine {
        IngestProgressLine(
            committedFragments: status.committedFragments, totalFragments: max(totalFragments, status.expectedFragments ?? 0),
            committedBytes: status.committedBytes, committedSeconds: status.committedSeconds,
            elapsed: ContinuousClock.now - started)
    }

    /// A line that stays (above the redrawn one on a terminal).
    private func line(_ text: String) {
        if terminal.isInteractive { terminal.write("\r\u{1B}[2K") }
        terminal.writeLine(text)
    }

    /// The redrawn line on a terminal; otherwise `plain`, at most once per second.
    private func update(_ text: String, plain: String) {
        if terminal.isInteractive {
            terminal.redraw(text)
            return
        }
        let now = ContinuousClock.now
        if lastPlainLine.map({ now - $0 >= .seconds(1) }) ?? true {
            lastPlainLine = now
            terminal.writeLine(plain)
        }
    }
}
