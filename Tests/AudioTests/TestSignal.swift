import Foundation
import XCTest

/// Deterministic test PCM: a sine per channel plus seeded noise, interleaved s16.
enum TestSignal {
    /// `frames` frames of a 440 Hz (left) / 660 Hz (right, ...) sine at about -10 dBFS with noise.
    static func make(frames: Int, sampleRate: Int = 48_000, channels: Int = 2, seed: UInt64 = 1) -> [Int16] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var samples = [Int16](repeating: 0, count: frames * channels)
        for frame in 0..<frames {
            for channel in 0..<channels {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                let noise = Double(Int64(bitPattern: state) % 2_000)
                let frequency = 440.0 * (1.0 + 0.5 * Double(channel))
                let tone = 10_000.0 * sin(2 * Double.pi * frequency * Double(frame) / Double(sampleRate))
                samples[frame * channels + channel] = Int16(clamping: Int(tone + noise))
            }
        }
        return samples
    }

    /// The little-endian bytes of `samples`.
    static func bytes(_ samples: [Int16]) -> Data {
        samples.withUnsafeBufferPointer { Data(buffer: $0) }
    }

    /// Samples from little-endian bytes.
    static func samples(_ data: Data) -> [Int16] {
        data.withUnsafeBytes { raw in
            stride(from: 0, to: raw.count - 1, by: 2).map { Int16(littleEndian: raw.loadUnaligned(fromByteOffset: $0, as: Int16.self)) }
        }
    }
}

/// A fresh temporary folder, removed by the test's teardown block.
func makeTemporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("raftcast-audio-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
