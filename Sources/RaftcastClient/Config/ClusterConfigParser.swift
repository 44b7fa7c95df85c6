import Foundation
import Transport
import Yams

/// Reads a `cluster.yaml` document into a ``ClusterConfig``, collecting every
/// problem instead of stopping at the first (see ``ClusterConfigError``).
/// Unknown keys are errors: a misspelt optional setting would otherwise be
/// silently replaced by its default.
struct ClusterConfigParser {
    let file: String
    /// Folder that relative paths (secret_file, data_dir) are resolved against.
    let directory: String
    private(set) var problems: [ClusterConfigError.Problem] = []

    static let clusterKeys = ["name", "secret_file", "heartbeat_ms", "election_timeout_ms", "fragment_seconds",
                              "playout_delay_ms", "media_dir", "max_upload_mb", "open_reads", "retention", "cors_origin"]
    static let nodeKeys = ["id", "raft", "http", "audio", "data_dir", "role"]
    static let maximumIDLength = 64

    init(file: String, directory: String) {
        self.file = file
        self.directory = directory
    }

    mutating func parse(yaml: String) throws(ClusterConfigError) -> ClusterConfig {
        let root: Yams.Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ClusterConfigError(file: file, problems: [Self.syntaxProblem(error)])
        } catch {
            throw ClusterConfigError(file: file, problems: [.init(path: "", message: "YAML syntax error: \(error)")])
        }
        guard let root, let top = root.mapping else {
            throw ClusterConfigError(file: file, problems: [
                .init(path: "", message: "expected a mapping with keys \"cluster\" and \"nodes\"", line: root?.mark?.line),
            ])
        }
        let topEntries = entries(of: top, path: "", allowed: ["cluster", "nodes"])
        let clusterNode = topEntries["cluster"]
        let nodesNode = topEntries["nodes"]

        var name = "", secretFile = "", secret: [UInt8] = []
        var heartbeat = ClusterConfig.Defaults.heartbeatMilliseconds
        var election = ClusterConfig.Defaults.electionTimeoutMilliseconds
        var fragmentSeconds = ClusterConfig.Defaults.fragmentSeconds
        var playoutDelay = ClusterConfig.Defaults.playoutDelayMilliseconds
        var mediaDirectory: String?
        var maxUploadBytes = ClusterConfig.Defaults.maxUploadMegabytes << 20
        var openReads = ClusterConfig.Defaults.openReads
        var corsOrigin: String?
        var retention = ClusterConfig.Retention.default
        if let clusterNode {
            if let mapping = clusterNode.mapping {
                let fields = entries(of: mapping, path: "cluster", allowed: Self.clusterKeys)
                name = requiredString(fields["name"], path: "cluster.name", parentLine: clusterNode.mark?.line) ?? ""
                if !name.isEmpty && name.utf8.count > 255 {
                    problem("cluster.name", "is longer than 255 bytes", fields["name"])
                }
                if let path = requiredString(fields["secret_file"], path: "cluster.secret_file",
                                             parentLine: clusterNode.mark?.line) {
                    secretFile = resolve(path)
                    secret = readSecret(at: secretFile, given: path, node: fields["secret_file"]) ?? []
                }
                // Absent settings take their defaults; invalid ones are reported and skip the cross-check.
                let heartbeatValue = fields["heartbeat_ms"] == nil
                    ? heartbeat : positiveInteger(fields["heartbeat_ms"], path: "cluster.heartbeat_ms")
                let electionValue = fields["election_timeout_ms"] == nil
                    ? election : electionRange(fields["election_timeout_ms"])
                if let heartbeatValue, let electionValue {
                    let ratio = ClusterConfig.minimumElectionToHeartbeatRatio
                    if electionValue.lowerBound < ratio * heartbeatValue {
                        problem("cluster.election_timeout_ms",
                                "minimum \(electionValue.lowerBound) must be at least \(ratio) × heartbeat_ms (\(ratio * heartbeatValue)), or followers start elections while the leader is healthy",
                                fields["election_timeout_ms"] ?? fields["heartbeat_ms"])
                    }
                }
                heartbeat = heartbeatValue ?? heartbeat
                election = electionValue ?? election
                if let seconds = positiveNumber(fields["fragment_seconds"], path: "cluster.fragment_seconds") {
                    if seconds > ClusterConfig.maximumFragmentSeconds {
                        problem("cluster.fragment_seconds",
                                "must be at most \(ClusterConfig.maximumFragmentSeconds), got \(seconds)",
                                fields["fragment_seconds"])
                    } else {
                        fragmentSeconds = seconds
                    }
                }
                playoutDelay = positiveInteger(fields["playout_delay_ms"], path: "cluster.playout_delay_ms") ?? playoutDelay
                if let node = fields["media_dir"],
                   let path = requiredString(node, path: "cluster.media_dir", parentLine: clusterNode.mark?.line) {
                    let resolved = resolve(path)
                    var isDirectory: ObjCBool = false
                    if FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory), isDirectory.boolValue {
                        mediaDirectory = resolved
                    } else {
                        problem("cluster.media_dir", "\(resolved) is not a folder", node)
                    }
                }
                if let megabytes = positiveInteger(fields["max_upload_mb"], path: "cluster.max_upload_mb") {
                    maxUploadBytes = megabytes << 20
                }
                if let node = fields["open_reads"] {
                    switch node.scalar?.string.trimmingCharacters(in: .whitespaces).lowercased() {
                    case "true", "yes", "on": openReads = true
                    case "false", "no", "off": openReads = false
                    default: problem("cluster.open_reads", "must be true or false, got \(Self.show(node))", node)
                    }
                }
                if let node = fields["retention"] { retention = parseRetention(node) ?? retention }
                if let node = fields["cors_origin"] {
                    let text = node.scalar?.string.trimmingCharacters(in: .whitespaces) ?? ""
                    if let reason = ClusterConfig.corsOriginProblem(text) {
                        problem("cluster.cors_origin", reason + ", got \(Self.show(node))", node)
                    } else {
                        corsOrigin = text
                    }
                }
            } else {
                problem("cluster", "must be a mapping of settings", clusterNode)
            }
        } else {
            problems.append(.init(path: "cluster", message: "is missing", line: nil))
        }

        var members: [ClusterConfig.Member] = []
        if let nodesNode {
            if let sequence = nodesNode.sequence {
                if sequence.isEmpty { problem("nodes", "must list at least one node", nodesNode) }
                members = parseMembers(sequence)
            } else {
                problem("nodes", "must be a list of nodes", nodesNode)
            }
        } else {
            problems.append(.init(path: "nodes", message: "is missing", line: nil))
        }

        guard problems.isEmpty else { throw ClusterConfigError(file: file, problems: problems) }
        return ClusterConfig(name: name, secretFile: secretFile, secret: secret, heartbeatMilliseconds: heartbeat,
                             electionTimeoutMilliseconds: election, fragmentSeconds: fragmentSeconds,
                             playoutDelayMilliseconds: playoutDelay, nodes: members,
                             mediaDirectory: mediaDirectory, maxUploadBytes: maxUploadBytes, openReads: openReads,
                             retention: retention, corsOrigin: corsOrigin)
    }

    // MARK: - Nodes

    private mutating func parseMembers(_ sequence: Yams.Node.Sequence) -> [ClusterConfig.Member] {
        var members: [ClusterConfig.Member] = []
        var idsSeen: [String: String] = [:]
        var addressesSeen: [String: String] = [:]
        var raftIDsSeen: [UInt64: (path: String, id: String)] = [:]
        var valid = true
        for (index, item) in sequence.enumerated() {
            let base = "nodes[\(index)]"
            guard let mapping = item.mapping else {
                problem(base, "must be a mapping with id, raft, http, audio, data_dir", item)
                valid = false
                continue
            }
            let fields = entries(of: mapping, path: base, allowed: Self.nodeKeys)
            let line = item.mark?.line
            let id = requiredString(fields["id"], path: "\(base).id", parentLine: line)
            if let id {
                if !Self.isValidID(id) {
                    problem("\(base).id", "\"\(id)\" may contain only letters, digits, '.', '_' and '-' (1-\(Self.maximumIDLength) characters)",
                            fields["id"])
                } else if let earlier = idsSeen[id] {
                    problem("\(base).id", "\"\(id)\" is already used by \(earlier)", fields["id"])
                } else {
                    idsSeen[id] = base
                    let raftID = ClusterConfig.raftID(for: id)
                    if let earlier = raftIDsSeen[raftID] {
                        problem("\(base).id", "\"\(id)\" maps to the same Raft id as \(earlier.path) (\"\(earlier.id)\"); rename one",
                                fields["id"])
                    }
                    raftIDsSeen[raftID] = ("\(base).id", id)
                }
            }
            var addresses: [PeerAddress] = []
            for key in ["raft", "http"] {
                guard let text = requiredString(fields[key], path: "\(base).\(key)", parentLine: line) else { continue }
                guard let address = ClusterConfig.parseAddress(text) else {
                    problem("\(base).\(key)", "\"\(text)\" is not host:port", fields[key])
                    continue
                }
                let canonical = address.description.lowercased()
                if let earlier = addressesSeen[canonical] {
                    problem("\(base).\(key)", "\(address) is already used by \(earlier)", fields[key])
                } else {
                    addressesSeen[canonical] = "\(base).\(key)"
                }
                addresses.append(address)
            }
            var audio: String? = ClusterConfig.Defaults.audio
            if let audioNode = fields["audio"] {
                audio = requiredString(audioNode, path: "\(base).audio", parentLine: line)
            }
            let dataDirectory = requiredString(fields["data_dir"], path: "\(base).data_dir", parentLine: line)
            var role: MemberRole? = .voter
            if let roleNode = fields["role"] {
                role = requiredString(roleNode, path: "\(base).role", parentLine: line).flatMap { text in
                    guard let role = MemberRole(name: text) else {
                        problem("\(base).role", "\"\(text)\" is not voter or listener", roleNode)
                        return nil
                    }
                    return role
                }
            }
            guard let id, let dataDirectory, let audio, let role, addresses.count == 2 else {
                valid = false
                continue
            }
            members.append(ClusterConfig.Member(
                id: id, raft: addresses[0], http: addresses[1],
                audioDevice: audio.lowercased() == "none" ? nil : audio, dataDirectory: resolve(dataDirectory), role: role))
        }
        if valid && !members.isEmpty && !members.contains(where: { $0.role == .voter }) {
            problem("nodes", "every node is a listener; at least one must be a voter (role: voter, the default)", nil)
            valid = false
        }
        return valid ? members : []
    }

    static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= maximumIDLength
            && id.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "._-".unicodeScalars.contains($0) }
    }

    // MARK: - Values

    /// The entries of a mapping by key; unknown and non-string keys are problems.
    mutating func entries(of mapping: Yams.Node.Mapping, path: String, allowed: [String]) -> [String: Yams.Node] {
        var result: [String: Yams.Node] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                problem(path, "keys must be plain strings", keyNode)
                continue
            }
            let keyPath = path.isEmpty ? key : "\(path).\(key)"
            guard allowed.contains(key) else {
                problem(keyPath, "unknown key (known keys: \(allowed.joined(separator: ", ")))", keyNode)
                continue
            }
            result[key] = value
        }
        return result
    }

    private static func isNull(_ node: Yams.Node) -> Bool {
        guard let scalar = node.scalar else { return false }
        return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    private mutating func requiredString(_ node: Yams.Node?, path: String, parentLine: Int?) -> String? {
        guard let node, !Self.isNull(node) else {
            problems.append(.init(path: path, message: "is missing", line: node?.mark?.line ?? parentLine))
            return nil
        }
        guard let text = node.scalar?.string else {
            problem(path, "must be a single value", node)
            return nil
        }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            problem(path, "is empty", node)
            return nil
        }
        return trimmed
    }

    mutating func positiveInteger(_ node: Yams.Node?, path: String) -> Int? {
        guard let node else { return nil }
        guard let scalar = node.scalar, let value = Int(scalar.string.trimmingCharacters(in: .whitespaces)) else {
            problem(path, "must be a positive integer, got \(Self.show(node))", node)
            return nil
        }
        guard value > 0 else {
            problem(path, "must be a positive integer, got \(value)", node)
            return nil
        }
        return value
    }

    mutating func positiveNumber(_ node: Yams.Node?, path: String) -> Double? {
        guard let node else { return nil }
        guard let scalar = node.scalar, let value = Double(scalar.string.trimmingCharacters(in: .whitespaces)),
              value.isFinite else {
            problem(path, "must be a positive number, got \(Self.show(node))", node)
            return nil
        }
        guard value > 0 else {
            problem(path, "must be a positive number, got \(scalar.string)", node)
            return nil
        }
        return value
    }

    private mutating func electionRange(_ node: Yams.Node?) -> ClosedRange<Int>? {
        let path = "cluster.election_timeout_ms"
        guard let node else { return nil }
        guard let sequence = node.sequence, sequence.count == 2 else {
            problem(path, "must be [min, max] in milliseconds, got \(Self.show(node))", node)
            return nil
        }
        let low = positiveInteger(sequence[0], path: "\(path)[0]")
        let high = positiveInteger(sequence[1], path: "\(path)[1]")
        guard let low, let high else { return nil }
        guard low < high else {
            problem(path, "minimum \(low) must be below maximum \(high) (the timeout is randomized between them)", node)
            return nil
        }
        return low...high
    }

    private mutating func readSecret(at path: String, given: String, node: Yams.Node?) -> [UInt8]? {
        let field = "cluster.secret_file"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            problem(field, "\"\(given)\" does not exist (looked for \(path))", node)
            return nil
        }
        let fd = isDirectory.boolValue ? -1 : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            problem(field, "\"\(given)\" cannot be read (\(path))", node)
            return nil
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size <= ClusterConfig.maximumSecretFileBytes else {
            problem(field, "\"\(given)\" is not a regular file of at most \(ClusterConfig.maximumSecretFileBytes) bytes (\(path))", node)
            return nil
        }
        // The secret lets anyone join the cluster and write to it: only its owner may read or change it.
        if let refusal = ClusterConfig.secretFileRefusal(mode: info.st_mode) {
            problems.append(.init(path: "", message: "\(refusal); run: chmod 600 \(path)", file: path))
            return nil
        }
        guard let data = try? handle.readToEnd() ?? Data() else {
            problem(field, "\"\(given)\" cannot be read (\(path))", node)
            return nil
        }
        var bytes = Array(data)
        let whitespace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
        while let last = bytes.last, whitespace.contains(last) { bytes.removeLast() }
        while let first = bytes.first, whitespace.contains(first) { bytes.removeFirst() }
        guard !bytes.isEmpty else {
            problem(field, "\"\(given)\" is empty", node)
            return nil
        }
        guard bytes.count >= ClusterConfig.minimumSecretBytes else {
            problem(field, "\"\(given)\" holds \(bytes.count) bytes; at least \(ClusterConfig.minimumSecretBytes) are needed (e.g. (umask 077; head -c 32 /dev/urandom | base64 > \(given)))",
                    node)
            return nil
        }
        return bytes
    }

    /// `path` resolved against the config file's folder when relative.
    private func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return directory.isEmpty || directory == "." ? path : "\(directory)/\(path)"
    }

    static func show(_ node: Yams.Node) -> String {
        if let scalar = node.scalar { return "\"\(scalar.string)\"" }
        if node.sequence != nil { return "a list" }
        return "a mapping"
    }

    mutating func problem(_ path: String, _ message: String, _ node: Yams.Node?) {
        problems.append(.init(path: path, message: message, line: node?.mark?.line))
    }

    private static func syntaxProblem(_ error: YamlError) -> ClusterConfigError.Problem {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { "\($0.text), " } ?? ""
            return .init(path: "", message: "YAML syntax error: \(detail)\(problem)", line: mark.line)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return .init(path: "", message: "duplicate key(s) \(duplicates.sorted().joined(separator: ", "))",
                         line: context.mark.line)
        default:
            return .init(path: "", message: "YAML syntax error: \(error)")
        }
    }
}
