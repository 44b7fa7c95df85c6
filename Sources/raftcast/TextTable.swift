/// Left-aligned columns two spaces apart (the last column unpadded), as `raftcast status`, `queue` and
/// `streams` print them.
enum TextTable {
    /// `rows` (the first one the header) as lines.
    static func render(_ rows: [[String]]) -> String {
        guard let columns = rows.map(\.count).max(), columns > 0 else { return "" }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() where i < columns - 1 { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i] + 2, withPad: " ", startingAt: 0)
            }.joined()
        }.joined(separator: "\n")
    }

    /// `seconds` as "7.5 s" below a minute, "2:05" or "1:02:05" above.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "-" }
        let sign = seconds < 0 ? "-" : ""
        let magnitude = abs(seconds)
        if magnitude < 60 { return sign + String(format: "%.1f s", magnitude) }
        let whole = Int(magnitude.rounded())
        let (hours, minutes, rest) = (whole / 3600, whole / 60 % 60, whole % 60)
        return sign + (hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest))
    }

    /// `bytes` as "812 B", "3.1 KiB", "62.5 MiB" or "1.2 GiB".
    static func size(_ bytes: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}
