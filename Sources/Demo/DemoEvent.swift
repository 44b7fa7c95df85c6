/// Something that happened during the demo, at a time since its start, for the live view and the log.
public struct DemoEvent: Sendable, Hashable {
    /// Time since the demo started.
    public var at: Duration
    /// One line.
    public var text: String

    /// An event at `at`.
    public init(at: Duration, text: String) {
        self.at = at
        self.text = text
    }

    /// `  12.3 s  <text>`.
    public var line: String { DemoFormat.seconds(at).leftPadded(to: 8) + "  " + text }
}
