import Foundation

/// The checkout the tests were built from (packaging files, scripts), found from this file's path.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `relative`'s absolute path in the checkout.
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// `relative`'s text.
    static func text(_ relative: String) throws -> String { try String(contentsOfFile: path(relative), encoding: .utf8) }

    /// A new empty folder under the temporary directory (the caller removes it).
    static func scratch(_ prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The first of `names` found as an executable in the usual system folders, nil when none is.
    static func tool(_ names: String...) -> String? {
        for name in names {
            for folder in ["/usr/bin", "/usr/local/bin", "/bin", "/usr/sbin", "/sbin"] {
                let candidate = "\(folder)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }
}
