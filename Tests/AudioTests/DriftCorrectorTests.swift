import Audio
import XCTest

final class DriftCorrectorTests: XCTestCase {
    private func assertSpreadAndNeverAdjacent(_ positions: [Int], frames: Int, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(positions, positions.sorted(), file: file, line: line)
        XCTAssertTrue(positions.allSatisfy { (0..<frames).contains($0) }, file: file, line: line)
        let gaps = zip(positions.dropFirst(), positions).map { $0 - $1 }
        XCTAssertTrue(gaps.allSatisfy { $0 >= 2 }, "two corrections touch: \(positions)", file: file, line: line)
        if let smallest = gaps.min(), let largest = gaps.max() {
            XCTAssertLessThanOrEqual(largest - smallest, 1, "not evenly spread: \(gaps)", file: file, line: line)
        }
    }

    func testHundredPPMOver48000FramesInsertsFiveSpreadFrames() {
        var corrector = DriftCorrector()
        let plan = corrector.plan(frames: 48_000, errorPPM: 100)
        XCTAssertEqual(plan.adjustment, .insert)
        XCTAssertEqual(plan.positions, [4_800, 14_400, 24_000, 33_600, 43_200])
        assertSpreadAndNeverAdjacent(plan.positions, frames: 48_000)
        XCTAssertEqual(corrector.carry, -0.2, accuracy: 1e-9)
        XCTAssertEqual(plan.resultingFrames(from: 48_000), 48_005)
    }

    func testNegativeDriftDropsFrames() {
        var corrector = DriftCorrector()
        let plan = corrector.plan(frames: 48_000, errorPPM: -100)
        XCTAssertEqual(plan.adjustment, .drop)
        XCTAssertEqual(plan.positions.count, 5)
        assertSpreadAndNeverAdjacent(plan.positions, frames: 48_000)
    }

    func testCarryMakesTheLongRunCountExact() {
        for ppm in [100.0, -100.0, 37.5, -250.0, 3.0] {
            var corrector = DriftCorrector()
            var total = 0
            for _ in 0..<10 {
                let plan = corrector.plan(frames: 48_000, errorPPM: ppm)
                assertSpreadAndNeverAdjacent(plan.positions, frames: 48_000)
                total += plan.resultingFrames(from: 48_000) - 48_000
            }
            XCTAssertEqual(Double(total), 480_000 * ppm / 1e6, accuracy: 1, "ppm \(ppm)")
        }
        var corrector = DriftCorrector()
        let counts = (0..<10).map { _ in corrector.plan(frames: 48_000, errorPPM: 100).positions.count }
        XCTAssertEqual(counts.reduce(0, +), 48)
        XCTAssertTrue(counts.allSatisfy { $0 == 4 || $0 == 5 }, "\(counts)")
    }

    func testInsertedFramesAreAveragesAndTheRestIsUntouched() {
        var corrector = DriftCorrector()
        let frames = 48_000
        let signal = TestSignal.make(frames: frames, seed: 9)
        let plan = corrector.plan(frames: frames, errorPPM: 100)
        let output = DriftCorrector.apply(plan, to: signal, channels: 2)
        XCTAssertEqual(output.count, (frames + 5) * 2)
        var restored: [Int16] = []
        var outputFrame = 0
        for frame in 0..<frames {
            if plan.positions.contains(frame) {
                for channel in 0..<2 {
                    let expected = (Int(signal[(frame - 1) * 2 + channel]) + Int(signal[frame * 2 + channel])) >> 1
                    XCTAssertEqual(Int(output[outputFrame * 2 + channel]), expected)
                }
                outputFrame += 1
            }
            restored += output[outputFrame * 2..<outputFrame * 2 + 2]
            outputFrame += 1
        }
        XCTAssertEqual(restored, signal)
    }

    func testDroppedFramesAreExactlyThePlannedOnes() {
        var corrector = DriftCorrector()
        let signal = TestSignal.make(frames: 48_000, seed: 4)
        let plan = corrector.plan(frames: 48_000, errorPPM: -100)
        let output = DriftCorrector.apply(plan, to: signal, channels: 2)
        var expected: [Int16] = []
        for frame in 0..<48_000 where !plan.positions.contains(frame) { expected += signal[frame * 2..<frame * 2 + 2] }
        XCTAssertEqual(output, expected)
    }

    func testNoDriftLeavesTheBlockAlone() {
        var corrector = DriftCorrector()
        let signal = TestSignal.make(frames: 960)
        XCTAssertEqual(corrector.correct(signal, channels: 2, errorPPM: 0), signal)
        XCTAssertEqual(corrector.correct(signal, channels: 2, errorPPM: .nan), signal)
    }

    func testHugeErrorsAreClampedAndStillNeverAdjacent() {
        var corrector = DriftCorrector()
        let plan = corrector.plan(frames: 1_000, errorPPM: 900_000)
        XCTAssertEqual(plan.positions.count, 10, "clamped to 1%")
        assertSpreadAndNeverAdjacent(plan.positions, frames: 1_000)
        for frames in 1...9 {
            var small = DriftCorrector()
            for _ in 0..<300 {
                let smallPlan = small.plan(frames: frames, errorPPM: -10_000)
                XCTAssertLessThanOrEqual(smallPlan.positions.count, frames / 2)
                assertSpreadAndNeverAdjacent(smallPlan.positions, frames: frames)
                XCTAssertLessThanOrEqual(abs(small.carry), 1)
            }
        }
    }

    func testMeasuredPPMFromTwoPositions() {
        let earlier = PlaybackPosition(time: .seconds(1), framesWritten: 0, framesHeard: 48_000, framesDue: 48_000, delayFrames: 0)
        let later = PlaybackPosition(time: .seconds(11), framesWritten: 0, framesHeard: 528_048, framesDue: 528_000, delayFrames: 0)
        XCTAssertEqual(DriftCorrector.measuredPPM(from: earlier, to: later), 100, accuracy: 1e-9)
        XCTAssertEqual(DriftCorrector.measuredPPM(from: later, to: later), 0)
    }
}
