/// A minimal terminal of a fixed width, enough to replay what `raftcast demo` writes to a terminal: printable
/// characters (wrapping at the right edge, as a real terminal does), CR, LF, cursor up (`ESC [ n A`), erase
/// to the end of the screen (`ESC [ J`) and of the line (`ESC [ K`, `ESC [ 2 K`). The screen has no bottom:
/// every row ever written stays, so what a redraw failed to clear shows up in ``rows``.
struct TerminalScreen {
    let width: Int
    private(set) var rows: [[Character]] = [[]]
    private var row = 0
    private var column = 0

    init(width: Int) { self.width = width }

    /// The screen's rows as text, trailing spaces removed.
    var lines: [String] {
        rows.map { String($0).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
    }

    mutating func feed(_ text: String) {
        var characters = text.makeIterator()
        while let character = characters.next() {
            switch character {
            case "\r": column = 0
            case "\n": moveDown()
            case "\r\n": column = 0; moveDown()
            case "\u{1B}":
                guard characters.next() == "[" else { continue }
                var parameter = ""
                while let next = characters.next() {
                    if next.isNumber { parameter.append(next); continue }
                    apply(next, Int(parameter))
                    break
                }
            default:
                if column == width {
                    moveDown()
                    column = 0
                }
                while rows[row].count <= column { rows[row].append(" ") }
                rows[row][column] = character
                column += 1
            }
        }
    }

    private mutating func moveDown() {
        row += 1
        if row == rows.count { rows.append([]) }
    }

    private mutating func apply(_ command: Character, _ parameter: Int?) {
        switch command {
        case "A": row = max(0, row - (parameter ?? 1))
        case "J":
            rows[row] = Array(rows[row].prefix(column))
            rows.removeSubrange((row + 1)...)
        case "K":
            rows[row] = parameter == 2 ? [] : Array(rows[row].prefix(column))
        default: break
        }
    }
}
