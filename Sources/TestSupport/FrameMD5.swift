import Foundation

/// ffmpeg's `framemd5` of one track of an input (a file or an HLS playlist, local or over HTTP): one
/// line per decoded frame, the reference the HLS tests compare remuxes against.
public enum FrameMD5 {
    /// One decoded frame: timestamps in the output time base, size and MD5 of the raw frame.
    public struct Line: Sendable, Hashable, CustomStringConvertible {
        public var dts: Int64
        public var pts: Int64
        public var duration: Int64
        public var size: Int
        public var hash: String

        /// The line with `offset` taken from both timestamps.
        public func shifted(by offset: Int64) -> Line {
            Line(dts: dts - offset, pts: pts - offset, duration: duration, size: size, hash: hash)
        }

        public var description: String { "\(dts), \(pts), \(duration), \(size), \(hash)" }
    }

    /// The frames of `map` ("0:v", "0:a") of `input`, with `-copyts` so timestamps are the input's own;
    /// `inputOptions` go before `-i` (e.g. `-live_start_index 0`), `outputOptions` after the map (e.g.
    /// `-frames:v 100`, which also ends the reading of a live playlist).
    public static func frames(
        of input: String, map: String, inputOptions: [String] = [], outputOptions: [String] = [], timeout: TimeInterval = 120
    ) throws -> [Line] {
        let result = try ToolProcess.run(
            "ffmpeg",
            ["-nostdin", "-hide_banner", "-loglevel", "error", "-copyts"] + inputOptions + ["-i", input, "-map", map]
                + outputOptions + ["-f", "framemd5", "-"],
            timeout: timeout)
        guard result.status == 0 else { throw ToolFailure(command: "ffmpeg -i \(input) framemd5", stderr: result.stderrText) }
        return result.stdoutText.split(separator: "\n").compactMap { raw in
            guard !raw.hasPrefix("#") else { return nil }
            let fields = raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 6, let dts = Int64(fields[1]), let pts = Int64(fields[2]),
                let duration = Int64(fields[3]), let size = Int(fields[4])
            else { return nil }
            return Line(dts: dts, pts: pts, duration: duration, size: size, hash: fields[5])
        }
    }
}
