import Foundation

extension ClusterConfig {
    /// Reads and validates the file at `path`. Relative paths inside it
    /// (secret_file, data_dir) are resolved against the file's folder.
    public static func load(path: String) throws(ClusterConfigError) -> ClusterConfig {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ClusterConfigError(file: path, problems: [.init(path: "", message: "file does not exist")])
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw ClusterConfigError(file: path, problems: [.init(path: "", message: "file cannot be read")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ClusterConfigError(file: path, problems: [.init(path: "", message: "file is not UTF-8 text")])
        }
        let directory = (path as NSString).deletingLastPathComponent
        return try parse(yaml: text, file: path, directory: directory.isEmpty ? "." : directory)
    }

    /// Validates `yaml` as the content of `file` (the name used in errors),
    /// resolving relative paths against `directory`.
    public static func parse(yaml: String, file: String = "cluster.yaml", directory: String) throws(ClusterConfigError) -> ClusterConfig {
        var parser = ClusterConfigParser(file: file, directory: directory)
        return try parser.parse(yaml: yaml)
    }
}
