/// How far an ingest is, as `raftcast ingest` prints it: a bar redrawn in place on a terminal, a plain
/// line otherwise, and the closing summary. Pure formatting; the caller measures.
///
///     [############------------------]  12/30 fragments  3.21 MB/s  ETA 0:05
///     ingest: 12/30 fragments (40%), 24.0 s of media, 3.21 MB/s, ETA 0:05
///     ingested 30 fragments, 60.0 s of media in 2.1 s: 28.6 media-s/s, 5.30 MB/s
public struct IngestProgressLine: Sendable, Hashable {
    /// Fragments committed on a majority.
    public var committedFragments: Int
    /// Fragments the file is cut into.
    public var totalFragments: Int
    /// Bytes of the committed fragment records.
    public var committedBytes: Int
    /// Media seconds committed.
    public var committedSeconds: Double
    /// Wall time since the ingest began.
    public var elapsed: Duration

    /// A line from what was measured.
    public init(committedFragments: Int, totalFragments: Int, committedBytes: Int, committedSeconds: Double, elapsed: Duration) {
        self.committedFragments = committedFragments
        self.totalFragments = totalFragments
        self.committedBytes = committedBytes
        self.committedSeconds = committedSeconds
        self.elapsed = elapsed
    }

    private var elapsedSeconds: Double {
        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Committed bytes per second of wall time, in MB (10^6 bytes); 0 before any time passed.
    public var megabytesPerSecond: Double {
        elapsedSeconds > 0 ? Double(committedBytes) / 1e6 / elapsedSeconds : 0
    }

    /// Media seconds committed per second of wall time; 0 before any time passed.
    public var mediaSecondsPerSecond: Double {
        elapsedSeconds > 0 ? committedSeconds / elapsedSeconds : 0
    }

    /// Time left at the rate so far; nil before the first fragment.
    public var estimatedRemaining: Duration? {
        guard committedFragments > 0, totalFragments >= committedFragments else { return nil }
        let seconds = elapsedSeconds * Double(totalFragments - committedFragments) / Double(committedFragments)
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// The terminal line: a bar `width` cells wide, counts, rate and ETA.
    public func bar(width: Int = 30) -> String {
        let fraction = totalFragments > 0 ? min(1, Double(committedFragments) / Double(totalFragments)) : 0
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
        return "\(bar)  \(committedFragments)/\(totalFragments) fragments  \(Self.decimal(megabytesPerSecond, 2)) MB/s  ETA \(eta)"
    }

    /// The line for logs and pipes.
    public func plain() -> String {
        let percent = totalFragments > 0 ? committedFragments * 100 / totalFragments : 0
        return "ingest: \(committedFragments)/\(totalFragments) fragments (\(percent)%), "
            + "\(Self.decimal(committedSeconds, 1)) s of media, \(Self.decimal(megabytesPerSecond, 2)) MB/s, ETA \(eta)"
    }

    /// The closing line.
    public func summary() -> String {
        "ingested \(committedFragments) fragments, \(Self.decimal(committedSeconds, 1)) s of media in "
            + "\(Self.decimal(elapsedSeconds, 1)) s: \(Self.decimal(mediaSecondsPerSecond, 1)) media-s/s, "
            + "\(Self.decimal(megabytesPerSecond, 2)) MB/s"
    }

    /// `m:ss` (or `h:mm:ss`), `-:--` when unknown.
    private var eta: String {
        guard let remaining = estimatedRemaining else { return "-:--" }
        let total = Int((Double(remaining.components.seconds) + Double(remaining.components.attoseconds) / 1e18).rounded(.up))
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        let ss = s < 10 ? "0\(s)" : "\(s)"
        if h > 0 { return "\(h):\(m < 10 ? "0\(m)" : "\(m)"):\(ss)" }
        return "\(m):\(ss)"
    }

    /// `value` with `places` decimals (no Foundation formatting: the same on every locale).
    public static func decimal(_ value: Double, _ places: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = Int64((abs(value) * scale).rounded())
        let whole = scaled / Int64(scale)
        let fraction = scaled % Int64(scale)
        var text = (value < 0 && scaled != 0 ? "-" : "") + "\(whole)"
        if places > 0 {
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: places - digits.count) + digits
        }
        return text
    }
}
