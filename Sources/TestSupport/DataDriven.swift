import Foundation

/// A test file that reads as data (after cockroachdb/datadriven, which etcd-io/raft's `testdata/*.txt`
/// use): blocks of a command line, a line `----`, and the output the command is expected to print,
/// separated by blank lines. Lines starting with `#` between blocks are comments.
///
/// ```
/// # A single voter elects itself.
/// add-nodes voters=(1)
/// ----
/// ok
///
/// campaign 1
/// ----
/// 1 became leader at term 1
/// ```
///
/// A command line is a command name and arguments: `name`, `name=value` or `name=(v1,v2,…)`.
/// An expected output never contains a blank line (a blank line ends the block); a command with
/// nothing to say prints something (`ok`).
///
/// ``run(rewrite:handler:)`` feeds each block to a handler and compares what it returns with the
/// expected output; with `rewrite` it writes the actual outputs into the file instead, keeping
/// everything else (comments, spacing) as it was.
public struct DataDrivenFile: Sendable {
    /// One block: a command, its arguments and its expected output.
    public struct Case: Sendable {
        /// The command name (the first word).
        public var command: String
        /// The arguments after the name, in order.
        public var arguments: [Argument]
        /// The command line as written.
        public var text: String
        /// The 1-based line of the command in the file.
        public var line: Int
        /// The expected output, lines joined with "\n" (no trailing newline).
        public var expected: String
        /// The 0-based file lines holding the expected output (for the rewrite).
        var expectedLines: Range<Int>
    }

    /// One argument: `key` alone, `key=value`, or `key=(v1,v2,…)` (values are then the items).
    public struct Argument: Sendable, Hashable {
        /// The word before `=` (or the whole word).
        public var key: String
        /// The values after `=`: none for a bare word, one for `key=value`, the items of `key=(…)`
        /// (none for `key=()`).
        public var values: [String]
        /// True for `key=…` (so `key=()` is told apart from a bare `key`).
        public var hasValue: Bool

        /// An argument as the parser makes it.
        public init(key: String, values: [String], hasValue: Bool) {
            self.key = key
            self.values = values
            self.hasValue = hasValue
        }
    }

    /// A command's output that differs from the expected one.
    public struct Mismatch: Sendable, CustomStringConvertible {
        /// The file.
        public var path: String
        /// The 1-based line of the command.
        public var line: Int
        /// The command line.
        public var command: String
        /// The output the file expects.
        public var expected: String
        /// The output the command printed.
        public var actual: String

        /// `output of `command` differs`, then a line diff (`-` expected, `+` actual).
        public var message: String {
            "output of `\(command)` differs (- expected, + actual):\n" + DataDrivenFile.lineDiff(expected: expected, actual: actual)
        }

        /// ``message`` after `path:line: `.
        public var description: String { "\(path):\(line): \(message)" }
    }

    /// A block the file or the handler could not deal with (bad syntax, unknown command); running
    /// stops there, as the state the next blocks expect is unknown.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// The file.
        public var path: String
        /// The 1-based line of the block's command.
        public var line: Int
        /// What went wrong.
        public var message: String
        /// `path:line: message`.
        public var description: String { "\(path):\(line): \(message)" }
    }

    /// The file's path, as given.
    public let path: String
    /// Every line of the file, without line ends.
    public let lines: [String]
    /// The blocks, in order.
    public let cases: [Case]

    /// Reads and parses the file at `path`.
    /// - Throws: ``Failure`` for a block without `----` or an unbalanced argument; file errors.
    public init(path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try self.init(path: path, text: text)
    }

    /// Parses `text` as the contents of a file at `path` (which is only used in messages and by the rewrite).
    public init(path: String, text: String) throws(Failure) {
        self.path = path
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        self.lines = lines
        var cases: [Case] = []
        var i = 0
        while i < lines.count {
            let line = lines[i].trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") {
                i += 1
                continue
            }
            let commandLine = i
            i += 1
            guard i < lines.count, lines[i] == "----" else {
                throw Failure(path: path, line: commandLine + 1, message: "expected a line `----` after `\(line)`")
            }
            i += 1
            let start = i
            while i < lines.count, !lines[i].isEmpty { i += 1 }
            let (command, arguments) = try Self.parse(line, path: path, line: commandLine + 1)
            cases.append(Case(
                command: command, arguments: arguments, text: line, line: commandLine + 1,
                expected: lines[start..<i].joined(separator: "\n"), expectedLines: start..<i))
        }
        self.cases = cases
    }

    /// Runs every block through `handler` in order and compares outputs, or with `rewrite` replaces
    /// the expected outputs in the file by the actual ones (writing it only when one differs).
    /// - Returns: the blocks whose output differed (with `rewrite`: those that were rewritten).
    /// - Throws: what `handler` throws, as a ``Failure`` at the block's line; a `Failure` for an
    ///   output with a blank line; file errors of the rewrite. Nothing is rewritten then.
    @discardableResult
    public func run(rewrite: Bool = false, handler: (Case) throws -> String) throws -> [Mismatch] {
        var mismatches: [Mismatch] = []
        var outputs: [String] = []
        for c in cases {
            let actual: String
            do {
                actual = try handler(c).trimmingTrailingNewlines
            } catch {
                throw Failure(path: path, line: c.line, message: "`\(c.text)` failed: \(error)")
            }
            if actual.components(separatedBy: "\n").contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                throw Failure(
                    path: path, line: c.line,
                    message: "the output of `\(c.text)` has a blank line (blank lines end a block):\n\(actual)")
            }
            outputs.append(actual)
            if actual != c.expected {
                mismatches.append(Mismatch(path: path, line: c.line, command: c.text, expected: c.expected, actual: actual))
            }
        }
        if rewrite && !mismatches.isEmpty { try rewritten(outputs).write(toFile: path, atomically: true, encoding: .utf8) }
        return mismatches
    }

    /// The file's text with each block's expected output replaced by `outputs` (one per case).
    public func rewritten(_ outputs: [String]) -> String {
        precondition(outputs.count == cases.count)
        var result: [String] = []
        var next = 0
        for (c, output) in zip(cases, outputs) {
            result += lines[next..<c.expectedLines.lowerBound]
            result += output.components(separatedBy: "\n")
            next = c.expectedLines.upperBound
        }
        result += lines[next...]
        return result.joined(separator: "\n") + "\n"
    }

    /// Splits a command line into its name and arguments.
    static func parse(_ text: String, path: String, line: Int) throws(Failure) -> (String, [Argument]) {
        var words: [String] = []
        var word = ""
        var depth = 0
        for ch in text {
            switch ch {
            case "(": depth += 1
            case ")": depth -= 1
            default: break
            }
            if depth < 0 { throw Failure(path: path, line: line, message: "unbalanced `)` in `\(text)`") }
            if ch == " " && depth == 0 {
                if !word.isEmpty { words.append(word) }
                word = ""
            } else {
                word.append(ch)
            }
        }
        if depth != 0 { throw Failure(path: path, line: line, message: "unbalanced `(` in `\(text)`") }
        if !word.isEmpty { words.append(word) }
        let arguments = words.dropFirst().map { word -> Argument in
            guard let eq = word.firstIndex(of: "=") else { return Argument(key: word, values: [], hasValue: false) }
            let key = String(word[..<eq])
            let value = String(word[word.index(after: eq)...])
            if value.hasPrefix("(") && value.hasSuffix(")") {
                let items = value.dropFirst().dropLast().split(separator: ",").map {
                    $0.trimmingCharacters(in: .whitespaces)
                }
                return Argument(key: key, values: items, hasValue: true)
            }
            return Argument(key: key, values: [value], hasValue: true)
        }
        return (words[0], arguments)
    }

    /// A line diff of two outputs: common lines indented by two spaces, lines only in `expected`
    /// marked `- `, lines only in `actual` marked `+ ` (a longest common subsequence).
    public static func lineDiff(expected: String, actual: String) -> String {
        let a = expected.components(separatedBy: "\n")
        let b = actual.components(separatedBy: "\n")
        // lcs[i][j]: length of the longest common subsequence of a[i...] and b[j...].
        var lcs = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var out: [String] = []
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            if i < a.count && j < b.count && a[i] == b[j] {
                out.append("  " + a[i])
                i += 1
                j += 1
            } else if i < a.count && (j == b.count || lcs[i + 1][j] >= lcs[i][j + 1]) {
                out.append("- " + a[i])
                i += 1
            } else {
                out.append("+ " + b[j])
                j += 1
            }
        }
        return out.joined(separator: "\n")
    }
}

extension String {
    fileprivate var trimmingTrailingNewlines: String {
        var s = Substring(self)
        while s.last == "\n" { s = s.dropLast() }
        return String(s)
    }
}
