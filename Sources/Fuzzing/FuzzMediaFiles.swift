import Foundation

/// Small real media files for the seeds, made with the ffmpeg CLI from lavfi sources (deterministic for a
/// given ffmpeg): an MP3 (with its Xing header), a fragmented AAC M4A (`moof`/`tfdt` boxes, the shape of
/// issue 13's crash) and an H.264 + AAC MP4. Short, so that the upload target runs many inputs a second.
public struct FuzzMediaFiles: Sendable {
    /// Why the files could not be made.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The directory that holds them.
    public let directory: String
    /// Their paths.
    public let paths: [String]

    static let recipes: [(name: String, arguments: [String])] = [
        ("tiny.mp3", ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=0.6",
                      "-c:a", "libmp3lame", "-b:a", "64k"]),
        ("tiny-fragmented.m4a", ["-f", "lavfi", "-i", "sine=frequency=330:sample_rate=44100:duration=1",
                                 "-c:a", "aac", "-b:a", "48k",
                                 "-movflags", "frag_keyframe+empty_moov+default_base_moof",
                                 "-frag_duration", "250000", "-f", "mp4"]),
        ("tiny-video.mp4", ["-f", "lavfi", "-i", "testsrc=size=32x32:rate=10:duration=1",
                            "-f", "lavfi", "-i", "sine=frequency=550:sample_rate=22050:duration=1",
                            "-c:v", "libx264", "-preset", "ultrafast", "-g", "4", "-c:a", "aac", "-b:a", "32k",
                            "-shortest"]),
    ]

    /// Makes the files in `directory` (created if missing) with `ffmpeg` from `PATH`.
    public static func make(in directory: String) throws(Failure) -> FuzzMediaFiles {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw Failure(description: "\(directory): \(error.localizedDescription)")
        }
        var paths: [String] = []
        for recipe in recipes {
            let path = directory + "/" + recipe.name
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"] + recipe.arguments
                + ["-fflags", "+bitexact", "-map_metadata", "-1", path]
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            do {
                try process.run()
            } catch {
                throw Failure(description: "ffmpeg: \(error.localizedDescription)")
            }
            let message = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw Failure(description: "ffmpeg \(recipe.name): \(String(decoding: message, as: UTF8.self))")
            }
            paths.append(path)
        }
        return FuzzMediaFiles(directory: directory, paths: paths)
    }
}
