/// Untrusted text made safe to print in a log line: a stream name, a file name, a path, a header or
/// anything a peer or a client sent. Every control character comes out as a visible escape, so such a
/// string can neither end the line it is printed on (and forge the next one) nor hide in it:
///
/// | in the text | printed as |
/// |---|---|
/// | `\` | `\\` |
/// | newline, carriage return, tab | `\n`, `\r`, `\t` |
/// | any other C0 control (U+0000–U+001F, NUL included), DEL (U+007F), C1 control (U+0080–U+009F) | `\u{XX}` (hex) |
/// | line and paragraph separator (U+2028, U+2029) | `\u{2028}`, `\u{2029}` |
///
/// Everything else (printable ASCII, letters of any script, emoji) is kept as it is. The backslash is
/// doubled so that an escape in the output always stands for a control character, never for text that
/// happened to look like one.
public enum LogText {
    /// `text` with every control character escaped (see the table above).
    public static func escaped(_ text: some StringProtocol) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return String(text) }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                out.append(scalar)
                continue
            }
            let escape: String
            switch scalar {
            case "\\": escape = "\\\\"
            case "\n": escape = "\\n"
            case "\r": escape = "\\r"
            case "\t": escape = "\\t"
            default: escape = "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
            out.append(contentsOf: escape.unicodeScalars)
        }
        return String(out)
    }

    /// True for the scalars ``escaped(_:)`` rewrites.
    public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\\" || isControl(scalar)
    }

    /// True for a control character: C0 (U+0000–U+001F), DEL (U+007F), C1 (U+0080–U+009F), and the
    /// Unicode line and paragraph separators (U+2028, U+2029), which end a line in many viewers.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029: true
        default: false
        }
    }
}
