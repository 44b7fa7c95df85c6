import Audio
import Foundation
import XCTest

/// One suite run against every sink that takes audio instantly: what is written comes back,
/// partial frames and writes after close are refused, close twice is harmless.
final class AudioSinkConformanceTests: XCTestCase {
    /// A sink under test and how to read back what it stored (after close).
    private struct Subject {
        var sink: any AudioSink
        var readBack: () throws -> [Int16]
    }

    private func subjects(format: AudioFormat) throws -> [Subject] {
        let directory = try makeTemporaryDirectory(self)
        let raw = directory.appendingPathComponent("alsa.raw")
        let wav = directory.appendingPathComponent("sink.wav")
        let memory = MemorySink(format: format)
        return [
            Subject(sink: memory, readBack: { memory.samples }),
            Subject(sink: try WAVFileSink(path: wav.path, format: format),
                    readBack: { TestSignal.samples(try WAVTestFile(contentsOf: wav).data) }),
            Subject(sink: try ALSASink(device: "file:FILE=\(raw.path),FORMAT=raw", format: format),
                    readBack: { TestSignal.samples(try Data(contentsOf: raw)) }),
        ]
    }

    func testEverySinkStoresExactlyWhatWasWritten() throws {
        for format in [AudioFormat.standard, AudioFormat(sampleRate: 44_100, channels: 1), AudioFormat(sampleRate: 96_000, channels: 6)] {
            let signal = TestSignal.make(frames: 5_000, sampleRate: format.sampleRate, channels: format.channels, seed: 13)
            for subject in try subjects(format: format) {
                let sink = subject.sink
                XCTAssertEqual(sink.format, format)
                XCTAssertFalse(sink.pacesInRealTime, sink.name)
                XCTAssertEqual(sink.delayFrames, 0, sink.name)
                try sink.write(Array(signal.prefix(format.channels * 1_234)))
                try sink.write([])
                try sink.write(Array(signal.dropFirst(format.channels * 1_234)))
                if format.channels > 1 {
                    XCTAssertThrowsError(try sink.write([Int16](repeating: 0, count: format.channels + 1)), sink.name) {
                        XCTAssertEqual($0 as? AudioError, .partialFrame(device: sink.name, samples: format.channels + 1, channels: format.channels))
                    }
                }
                try sink.drain()
                try sink.close()
                try sink.close()
                XCTAssertThrowsError(try sink.write(signal), sink.name) {
                    XCTAssertEqual($0 as? AudioError, .closed(device: sink.name))
                }
                XCTAssertEqual(try subject.readBack(), signal, "\(sink.name) \(format)")
            }
        }
    }
}
