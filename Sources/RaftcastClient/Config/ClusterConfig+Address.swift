import Transport

extension ClusterConfig {
    /// Parses `host:port` (`[v6]:port` for IPv6 literals). The host is an IP
    /// literal or a DNS name (letters, digits, '-', '.'); the port 1-65535.
    /// Nil when the text is not of that form.
    public static func parseAddress(_ text: String) -> PeerAddress? {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"),
                  text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
            guard host.contains(":"),
                  host.unicodeScalars.allSatisfy({ $0.properties.isASCIIHexDigit || $0 == ":" || $0 == "." }) else { return nil }
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.isEmpty, !host.contains(":"), host.utf8.count <= 253,
                  host.unicodeScalars.allSatisfy({ ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) || $0 == "-" || $0 == "." }),
                  !host.hasPrefix("-"), !host.hasPrefix("."), !host.hasSuffix("-"), !host.contains("..") else { return nil }
        }
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber),
              let port = Int(portText), (1...65535).contains(port) else { return nil }
        return PeerAddress(host: String(host), port: port)
    }
}
