/// Absorbs a small clock drift between the stream's schedule and the device by inserting or dropping
/// single frames, spread evenly through each block so no two corrections touch.
///
/// Sign convention: `errorPPM > 0` means the device plays faster than the schedule (it gets ahead:
/// ``PlaybackPosition/errorFrames`` grows), so frames are **inserted**; `errorPPM < 0` means it plays
/// slower, so frames are **dropped**. Fractions of a frame carry over to the next block, so over many
/// blocks the count is exact (100 ppm over 10 blocks of 48 000 frames: 48 frames).
/// ```swift
/// var corrector = DriftCorrector()
/// let ppm = DriftCorrector.measuredPPM(from: earlier, to: player.position())
/// let corrected = corrector.correct(pcm, channels: 2, errorPPM: ppm)
/// try player.write(corrected)
/// ```
public struct DriftCorrector: Hashable, Sendable {
    /// What a plan does at each of its positions.
    public enum Adjustment: Hashable, Sendable {
        /// Insert one frame before each position (the average of that frame and the one before).
        case insert
        /// Remove the frame at each position.
        case drop
    }

    /// The corrections for one block.
    public struct Plan: Hashable, Sendable {
        /// Insert or drop; nil when the block is left as it is.
        public var adjustment: Adjustment?
        /// Frame indices within the block, ascending, never two adjacent.
        public var positions: [Int]

        /// The frame count after applying the plan to a block of `frames` frames.
        public func resultingFrames(from frames: Int) -> Int {
            switch adjustment {
            case .insert: frames + positions.count
            case .drop: frames - positions.count
            case nil: frames
            }
        }
    }

    /// Largest drift corrected, in ppm (1%); larger errors are a resync, not a drift.
    public static let maximumPPM = 10_000.0

    /// Fraction of a frame owed to the next block (positive: frames to insert).
    public private(set) var carry = 0.0

    /// A corrector with nothing carried.
    public init() {}

    /// The drift between two positions of one schedule, in ppm of the frames that fell due between
    /// them (positive: the device got ahead). 0 when no frame fell due.
    public static func measuredPPM(from earlier: PlaybackPosition, to later: PlaybackPosition) -> Double {
        let elapsed = later.framesDue - earlier.framesDue
        guard elapsed > 0 else { return 0 }
        return Double(later.errorFrames - earlier.errorFrames) / Double(elapsed) * 1e6
    }

    /// Plans the corrections for the next block of `frames` frames at `errorPPM` (clamped to
    /// ±``maximumPPM``), and carries the remainder.
    public mutating func plan(frames: Int, errorPPM: Double) -> Plan {
        guard frames > 0, errorPPM.isFinite else { return Plan(adjustment: nil, positions: []) }
        let ppm = min(max(errorPPM, -Self.maximumPPM), Self.maximumPPM)
        let owed = Double(frames) * ppm / 1e6 + carry
        let count = min(Int(abs(owed).rounded()), frames / 2)
        carry = min(max(owed - (owed < 0 ? -1 : 1) * Double(count), -1), 1)
        guard count > 0 else { return Plan(adjustment: nil, positions: []) }
        return Plan(adjustment: owed > 0 ? .insert : .drop, positions: Self.spread(count, over: frames))
    }

    /// `count` frame indices spread evenly over `frames` (each in the middle of its share):
    /// `(2i + 1) * frames / (2 * count)`. With `count <= frames / 2` no two are adjacent.
    public static func spread(_ count: Int, over frames: Int) -> [Int] {
        guard count > 0, frames > 0 else { return [] }
        return (0..<count).map { (2 * $0 + 1) * frames / (2 * count) }
    }

    /// Applies `plan` to a block of interleaved samples.
    public static func apply(_ plan: Plan, to samples: [Int16], channels: Int) -> [Int16] {
        guard let adjustment = plan.adjustment, !plan.positions.isEmpty, channels > 0 else { return samples }
        let frames = samples.count / channels
        var output: [Int16] = []
        output.reserveCapacity(plan.resultingFrames(from: frames) * channels)
        var next = 0
        for frame in 0..<frames {
            let start = frame * channels
            if next < plan.positions.count, plan.positions[next] == frame {
                next += 1
                switch adjustment {
                case .drop:
                    continue
                case .insert:
                    let previous = max(frame - 1, 0) * channels
                    for channel in 0..<channels {
                        let sum = Int(samples[previous + channel]) + Int(samples[start + channel])
                        output.append(Int16(sum >> 1))
                    }
                }
            }
            output.append(contentsOf: samples[start..<start + channels])
        }
        return output
    }

    /// Plans and applies the correction for one block of interleaved samples.
    public mutating func correct(_ samples: [Int16], channels: Int, errorPPM: Double) -> [Int16] {
        guard channels > 0 else { return samples }
        return Self.apply(plan(frames: samples.count / channels, errorPPM: errorPPM), to: samples, channels: channels)
    }
}
