import Audio
import Foundation
import XCTest

/// Drives the real alsa-lib through its `file` plugin (slave `null`), which stores exactly what the
/// PCM chain received, and cross-checks against `aplay` writing through the same kind of PCM.
final class ALSASinkFilePluginTests: XCTestCase {
    /// Writes `samples` in uneven chunks, so partial periods and odd sizes go through the library.
    private func writeInChunks(_ samples: [Int16], to sink: some AudioSink) throws {
        let chunkFrames = [1, 777, 4_800, 960, 12_345, 2]
        var offset = 0, index = 0
        while offset < samples.count {
            let count = min(chunkFrames[index % chunkFrames.count] * sink.format.channels, samples.count - offset)
            try samples.withUnsafeBufferPointer { try sink.write(UnsafeBufferPointer(rebasing: $0[offset..<offset + count])) }
            offset += count
            index += 1
        }
    }

    func testFileDeviceStringCapturesExactlyTheWrittenPCM() throws {
        let directory = try makeTemporaryDirectory(self)
        let output = directory.appendingPathComponent("out.raw")
        let signal = TestSignal.make(frames: 3 * 48_000)
        let sink = try ALSASink(device: "file:FILE=\(output.path),FORMAT=raw", format: .standard)
        XCTAssertEqual(sink.pcmTypeName, "FILE")
        XCTAssertFalse(sink.pacesInRealTime, "file -> null does not play in real time")
        XCTAssertGreaterThan(sink.periodFrames, 0)
        XCTAssertGreaterThanOrEqual(sink.bufferFrames, sink.periodFrames)
        try writeInChunks(signal, to: sink)
        XCTAssertEqual(sink.delayFrames, 0)
        try sink.drain()
        try sink.close()
        XCTAssertEqual(sink.stats.framesWritten, 3 * 48_000)
        XCTAssertEqual(sink.stats.underruns, 0)
        let captured = try Data(contentsOf: output)
        XCTAssertEqual(captured.count, signal.count * 2)
        XCTAssertTrue(captured == TestSignal.bytes(signal), "captured PCM differs from what was written")
        XCTAssertThrowsError(try sink.write(signal)) { XCTAssertEqual($0 as? AudioError, .closed(device: sink.name)) }
    }

    func testWritingContinuesAfterADrain() throws {
        let directory = try makeTemporaryDirectory(self)
        let output = directory.appendingPathComponent("twice.raw")
        let first = TestSignal.make(frames: 10_000, seed: 21)
        let second = TestSignal.make(frames: 7_000, seed: 22)
        let sink = try ALSASink(device: "file:FILE=\(output.path),FORMAT=raw")
        try sink.write(first)
        try sink.drain()
        try sink.write(second)
        try sink.drain()
        try sink.close()
        XCTAssertTrue(try Data(contentsOf: output) == TestSignal.bytes(first + second))
    }

    func testMonoAt44100IsCapturedExactly() throws {
        let directory = try makeTemporaryDirectory(self)
        let output = directory.appendingPathComponent("mono.raw")
        let format = AudioFormat(sampleRate: 44_100, channels: 1)
        let signal = TestSignal.make(frames: 44_100, sampleRate: 44_100, channels: 1, seed: 7)
        let sink = try ALSASink(device: "file:FILE=\(output.path),FORMAT=raw", format: format)
        try writeInChunks(signal, to: sink)
        try sink.drain()
        try sink.close()
        XCTAssertTrue(try Data(contentsOf: output) == TestSignal.bytes(signal))
    }

    func testNullDeviceDoesNotPaceAndPlugNullIsDetected() throws {
        let null = try ALSASink(device: "null")
        XCTAssertEqual(null.pcmTypeName, "NULL")
        XCTAssertFalse(null.pacesInRealTime)
        let plugNull = try ALSASink(device: "plug:null")
        XCTAssertEqual(plugNull.pcmTypeName, "PLUG")
        XCTAssertFalse(plugNull.pacesInRealTime)
        let forced = try ALSASink(device: "null", configuration: .init(pacing: .device))
        XCTAssertTrue(forced.pacesInRealTime)
        try null.write(TestSignal.make(frames: 10 * 48_000))
        XCTAssertEqual(null.stats.framesWritten, 10 * 48_000)
    }

    /// A PCM named in a configuration file found through ALSA_CONFIG_PATH, written by the sink and,
    /// through a second definition of the same kind, by `aplay`: both WAV files carry the same format
    /// and the sink's data is exactly the signal (aplay pads its last period with silence).
    func testNamedPCMFromConfigFileMatchesAplay() throws {
        let directory = try makeTemporaryDirectory(self)
        let ourWAV = directory.appendingPathComponent("sink.wav")
        let aplayWAV = directory.appendingPathComponent("aplay.wav")
        let config = directory.appendingPathComponent("asound.conf")
        try """
        </usr/share/alsa/alsa.conf>
        pcm.capture { type file; slave.pcm "null"; file "\(ourWAV.path)"; format "wav" }
        pcm.reference { type file; slave.pcm "null"; file "\(aplayWAV.path)"; format "wav" }
        """.write(to: config, atomically: true, encoding: .utf8)
        let signal = TestSignal.make(frames: 2 * 48_000 + 123, seed: 3)
        let input = directory.appendingPathComponent("input.raw")
        try TestSignal.bytes(signal).write(to: input)

        let previous = ProcessInfo.processInfo.environment["ALSA_CONFIG_PATH"]
        func restoreConfiguration() {
            if let previous { setenv("ALSA_CONFIG_PATH", previous, 1) } else { unsetenv("ALSA_CONFIG_PATH") }
            ALSALibrary.reloadConfiguration()
        }
        setenv("ALSA_CONFIG_PATH", config.path, 1)
        ALSALibrary.reloadConfiguration()
        do {
            defer { restoreConfiguration() }
            let sink = try ALSASink(device: "capture", format: .standard)
            XCTAssertEqual(sink.pcmTypeName, "FILE")
            XCTAssertFalse(sink.pacesInRealTime)
            try writeInChunks(signal, to: sink)
            try sink.drain()
            try sink.close()
        }
        XCTAssertThrowsError(try ALSASink(device: "capture"), "after the reload the temporary PCM is gone") {
            XCTAssertTrue(($0 as? AudioError)?.description.contains("Unknown PCM capture") ?? false, "\($0)")
        }

        let aplay = try runTool(
            "/usr/bin/aplay", ["-q", "-D", "reference", "-t", "raw", "-f", "S16_LE", "-r", "48000", "-c", "2", input.path],
            environment: ["ALSA_CONFIG_PATH": config.path], in: directory)
        XCTAssertEqual(aplay.status, 0, aplay.standardError)

        let ours = try WAVTestFile(contentsOf: ourWAV)
        let reference = try WAVTestFile(contentsOf: aplayWAV)
        XCTAssertEqual(ours.formatTag, 1)
        XCTAssertEqual(ours.channels, 2)
        XCTAssertEqual(ours.sampleRate, 48_000)
        XCTAssertEqual(ours.bitsPerSample, 16)
        XCTAssertEqual(ours.dataSize, UInt32(signal.count * 2), "header fixed up with the data size")
        XCTAssertTrue(ours.data == TestSignal.bytes(signal), "captured WAV data differs from what was written")
        XCTAssertEqual(
            [ours.formatTag, ours.channels, ours.blockAlign, ours.bitsPerSample],
            [reference.formatTag, reference.channels, reference.blockAlign, reference.bitsPerSample])
        XCTAssertEqual([ours.sampleRate, ours.byteRate], [reference.sampleRate, reference.byteRate])
        XCTAssertGreaterThanOrEqual(reference.data.count, ours.data.count)
        XCTAssertTrue(reference.data.prefix(ours.data.count) == ours.data, "aplay wrote different samples")
        XCTAssertTrue(reference.data.dropFirst(ours.data.count).allSatisfy { $0 == 0 }, "aplay's tail is not silence")
    }
}
