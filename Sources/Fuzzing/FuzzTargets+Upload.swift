#if canImport(Glibc)
import Glibc
#endif
import Media
import Node

extension FuzzTargets {
    /// Node's upload validation (the leader's check of an uploaded file: Media's demuxer and fragmenter over
    /// the whole file) on mutated real MP3, fragmented M4A and MP4 files, each written to a scratch file.
    static func upload(_ material: FuzzMaterial, scratch: String) -> FuzzTarget {
        let seeds = material.media.paths.compactMap { path -> FuzzSeed? in
            guard let bytes = readFile(path) else { return nil }
            let name = String(path.split(separator: "/").last ?? "")
            return FuzzSeed(name: name, bytes: bytes, fields: name.hasSuffix(".mp3") ? mp3Layout(bytes) : isoBoxLayout(bytes))
        }
        let path = scratch + "/upload-input"
        return FuzzTarget(
            name: "upload", summary: "Node UploadValidation.check (Media demuxer + fragmenter) over a mutated media file",
            seeds: seeds,
            check: { input throws(FuzzViolation) in
                try FuzzViolation.require(writeFile(path, input), "cannot write \(path)")
                switch UploadValidation.check(path: path, fragmentSeconds: FuzzMaterial.fragmentSeconds) {
                case .success(let count):
                    try FuzzViolation.require(count > 0, "accepted a file of \(count) fragments")
                    return .accepted
                case .failure:
                    return .rejected
                }
            })
    }

    /// ISO BMFF boxes: each box's 32-bit size, and for leaf boxes the first eight 32-bit fields and the
    /// 64-bit ones at the same places (version 1 times: `tfdt`, `mdhd`, `mvhd`), all big endian.
    static func isoBoxLayout(_ bytes: [UInt8]) -> [FuzzField] {
        let containers: Set<String> = ["moov", "trak", "mdia", "minf", "stbl", "moof", "traf", "mvex", "edts", "dinf", "udta"]
        var fields: [FuzzField] = []
        func walk(_ range: Range<Int>) {
            var at = range.lowerBound
            while at + 8 <= range.upperBound {
                let size = Int(FuzzMutator.read(FuzzField(offset: at, width: 4, bigEndian: true), in: bytes))
                let type = String(decoding: bytes[(at + 4)..<(at + 8)], as: UTF8.self)
                guard size >= 8, at + size <= range.upperBound else { return }
                fields.append(FuzzField(offset: at, width: 4, bigEndian: true, role: .length))
                if containers.contains(type) {
                    walk((at + 8)..<(at + size))
                } else if type != "mdat" {
                    var field = at + 8
                    while field + 4 <= min(at + size, at + 8 + 32) {
                        fields.append(FuzzField(offset: field, width: 4, bigEndian: true))
                        if field + 8 <= at + size { fields.append(FuzzField(offset: field, width: 8, bigEndian: true)) }
                        field += 4
                    }
                }
                at += size
            }
        }
        walk(0..<bytes.count)
        return fields
    }

    /// MP3: the first frame headers (32-bit, big endian) and the Xing/Info header's flags, frame and byte
    /// counts.
    static func mp3Layout(_ bytes: [UInt8]) -> [FuzzField] {
        var fields: [FuzzField] = []
        var at = 0
        while at + 4 <= bytes.count, fields.count < 24 {
            if bytes[at] == 0xFF, bytes[at + 1] & 0xE0 == 0xE0 {
                fields.append(FuzzField(offset: at, width: 4, bigEndian: true))
                at += 4
            } else {
                at += 1
            }
        }
        for tag in ["Xing", "Info"] {
            let pattern = Array(tag.utf8)
            if let start = (0..<max(0, bytes.count - 16)).first(where: { bytes[$0..<($0 + 4)].elementsEqual(pattern) }) {
                for offset in [4, 8, 12] { fields.append(FuzzField(offset: start + offset, width: 4, bigEndian: true, role: .length)) }
            }
        }
        return fields
    }

    static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return n == 0 ? bytes : nil }
            bytes += chunk[..<n]
        }
    }

    static func writeFile(_ path: String, _ bytes: [UInt8]) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                guard n > 0 else { return false }
                done += n
            }
            return true
        }
    }
}
