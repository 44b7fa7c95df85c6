extension ClusterConfig {
    /// Why `text` is not a `cors_origin` (`*`, or `http`/`https` `://host[:port]` with no path, as a
    /// browser sends it in `Origin`); nil when it is one.
    public static func corsOriginProblem(_ text: String) -> String? {
        if text == "*" { return nil }
        guard text.utf8.count <= 255, text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }) else {
            return "must be an origin of printable ASCII without spaces"
        }
        let lower = text.lowercased()
        guard let rest = ["https://", "http://"].first(where: lower.hasPrefix).map({ String(lower.dropFirst($0.count)) }),
            !rest.isEmpty, !rest.contains("/"), !rest.contains("?"), !rest.contains("#"), !rest.contains("@")
        else {
            return "must be \"*\" or scheme://host[:port] (http or https, no path)"
        }
        return nil
    }
}
