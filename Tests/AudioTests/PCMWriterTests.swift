@testable import Audio
import Glibc
import XCTest

/// A PCM device that answers each call from a script, recording what it received.
private final class ScriptedPCMDevice: PCMDevice {
    /// Each writei answer: frames to accept (capped by the request) or a negative errno.
    var writeAnswers: [Int]
    /// Each recover answer (default 0: recovered).
    var recoverAnswers: [Int32]
    /// Each wait answer (default 1: room).
    var waitAnswers: [Int32]
    private(set) var accepted: [Int16] = []
    private(set) var recoveredCodes: [Int32] = []
    private(set) var waitCount = 0
    let channels: Int

    init(channels: Int = 2, writes: [Int], recovers: [Int32] = [], waits: [Int32] = []) {
        self.channels = channels
        writeAnswers = writes
        recoverAnswers = recovers
        waitAnswers = waits
    }

    func writeInterleaved(_ samples: UnsafePointer<Int16>, frames: Int) -> Int {
        let answer = writeAnswers.isEmpty ? frames : writeAnswers.removeFirst()
        guard answer > 0 else { return answer }
        let taken = min(answer, frames)
        accepted.append(contentsOf: UnsafeBufferPointer(start: samples, count: taken * channels))
        return taken
    }

    func recover(from code: Int32) -> Int32 {
        recoveredCodes.append(code)
        return recoverAnswers.isEmpty ? 0 : recoverAnswers.removeFirst()
    }

    func waitForRoom(timeoutMilliseconds: Int32) -> Int32 {
        waitCount += 1
        return waitAnswers.isEmpty ? 1 : waitAnswers.removeFirst()
    }
}

final class PCMWriterTests: XCTestCase {
    private let writer = PCMWriter(deviceName: "fake", channels: 2, maxAttemptsWithoutProgress: 5)
    private let signal = TestSignal.make(frames: 1_000, seed: 11)

    private func write(_ device: ScriptedPCMDevice, stats: inout PlaybackStats) throws {
        try signal.withUnsafeBufferPointer { try writer.write($0, to: device, stats: &stats) }
    }

    func testPartialWritesContinueWhereTheDeviceStopped() throws {
        let device = ScriptedPCMDevice(writes: [100, 1, 399, 250])
        var stats = PlaybackStats()
        try write(device, stats: &stats)
        XCTAssertEqual(device.accepted, signal)
        XCTAssertEqual(stats.framesWritten, 1_000)
        XCTAssertEqual(stats.partialWrites, 4, "four writes took less than was offered; the last took the rest")
        XCTAssertEqual(stats.underruns, 0)
    }

    func testUnderrunSuspendAndInterruptAreRecoveredAndCounted() throws {
        let device = ScriptedPCMDevice(writes: [300, -Int(EPIPE), 200, -Int(ESTRPIPE), -Int(EINTR), -Int(EPIPE)])
        var stats = PlaybackStats()
        try write(device, stats: &stats)
        XCTAssertEqual(device.accepted, signal, "no frame lost or repeated across recoveries")
        XCTAssertEqual(device.recoveredCodes, [-EPIPE, -ESTRPIPE, -EINTR, -EPIPE])
        XCTAssertEqual(stats.underruns, 2)
        XCTAssertEqual(stats.suspends, 1)
        XCTAssertEqual(stats.interruptions, 1)
        XCTAssertEqual(stats.framesWritten, 1_000)
    }

    func testFullDeviceWaitsForRoom() throws {
        let device = ScriptedPCMDevice(writes: [400, -Int(EAGAIN), 0, -Int(EAGAIN)], waits: [0, 1, 1])
        var stats = PlaybackStats()
        try write(device, stats: &stats)
        XCTAssertEqual(device.accepted, signal)
        XCTAssertEqual(device.waitCount, 3)
        XCTAssertEqual(stats.waits, 3)
    }

    func testUnderrunReportedByWaitIsRecovered() throws {
        let device = ScriptedPCMDevice(writes: [-Int(EAGAIN)], waits: [-Int32(EPIPE)])
        var stats = PlaybackStats()
        try write(device, stats: &stats)
        XCTAssertEqual(device.accepted, signal)
        XCTAssertEqual(device.recoveredCodes, [-EPIPE])
        XCTAssertEqual(stats.underruns, 1)
    }

    func testFailedRecoveryThrows() {
        let device = ScriptedPCMDevice(writes: [10, -Int(EPIPE)], recovers: [-Int32(EBADFD)])
        var stats = PlaybackStats()
        XCTAssertThrowsError(try write(device, stats: &stats)) {
            XCTAssertEqual($0 as? AudioError, .recoveryFailed(device: "fake", code: -EBADFD))
        }
        XCTAssertEqual(stats.framesWritten, 10)
    }

    func testUnrecoverableErrorThrowsWithoutRecovering() {
        let device = ScriptedPCMDevice(writes: [-Int(ENODEV)])
        var stats = PlaybackStats()
        XCTAssertThrowsError(try write(device, stats: &stats)) {
            XCTAssertEqual($0 as? AudioError, .writeFailed(device: "fake", code: -ENODEV))
            XCTAssertEqual(($0 as? AudioError)?.description, "fake: write failed: No such device")
        }
        XCTAssertTrue(device.recoveredCodes.isEmpty)
    }

    func testDeviceThatNeverTakesAFrameStallsAfterTheBound() {
        let device = ScriptedPCMDevice(writes: Array(repeating: -Int(EAGAIN), count: 100), waits: Array(repeating: 0, count: 100))
        var stats = PlaybackStats()
        XCTAssertThrowsError(try write(device, stats: &stats)) {
            XCTAssertEqual($0 as? AudioError, .stalled(device: "fake", attempts: 5))
        }
        XCTAssertEqual(device.waitCount, 5)
    }

    func testProgressResetsTheStallBound() throws {
        // 4 failures, progress, 4 failures, ...: never 6 in a row, so the write completes.
        var writes: [Int] = []
        for _ in 0..<5 { writes += [-Int(EAGAIN), -Int(EPIPE), -Int(EAGAIN), -Int(EINTR), 150] }
        let device = ScriptedPCMDevice(writes: writes)
        var stats = PlaybackStats()
        try write(device, stats: &stats)
        XCTAssertEqual(device.accepted, signal)
        XCTAssertEqual(stats.underruns, 5)
        XCTAssertEqual(stats.interruptions, 5)
    }
}
