import Foundation

/// How a capture lines up with a reference decode, frame by frame: the capture is expected to be
/// silence, then the reference — where the drift corrector may have inserted or dropped single,
/// isolated frames — then silence.
///
/// ```
/// capture:   0 0 0 0 | r0 r1 r2 r3 r3' r4 … r9 r11 r12 … rN | 0 0 0
///            silence   └ offset     └ inserted   └ dropped r10  └ silence after
/// ```
/// Anything else — a stretch of the reference missing or played twice, a changed sample, a capture
/// that stops early — ends the walk at ``breakFrame``.
public struct PCMAlignment: Sendable {
    /// Frames of the capture before the reference starts (nil: the reference's first sound is not there).
    public var offsetFrames: Int?
    /// Whether every frame before the offset is silence.
    public var silentBefore = false
    /// Reference frames before which the capture holds one extra frame (the corrector's insertions).
    public var insertedBefore: [Int] = []
    /// Reference frames the capture skips (the corrector's drops).
    public var dropped: [Int] = []
    /// The reference frame at which the capture stops matching in any of those ways (nil: it matched to the end).
    public var breakFrame: Int?
    /// Whether every frame after the reference is silence.
    public var silentAfter = false
    /// Frames compared after a mismatch to tell a single-frame correction from a real difference.
    public static let window = 64

    /// Every reference frame is there, in order, once, apart from isolated single-frame corrections.
    public var isComplete: Bool { offsetFrames != nil && breakFrame == nil }
    /// Single-frame corrections in total.
    public var corrections: Int { insertedBefore.count + dropped.count }
    /// The smallest distance, in reference frames, between two corrections (nil when fewer than two).
    public var closestCorrections: Int? {
        let all = (insertedBefore + dropped).sorted()
        return zip(all, all.dropFirst()).map { $1 - $0 }.min()
    }

    /// Aligns interleaved 16-bit stereo `capture` (after its WAV header) with `reference`.
    public init(capture: Data, reference: Data) {
        let capture = Self.frames(capture)
        let reference = Self.frames(reference)
        guard let soundInReference = reference.firstIndex(where: { $0 != 0 }),
            let soundInCapture = capture.firstIndex(where: { $0 != 0 }), soundInCapture >= soundInReference
        else { return }
        let offset = soundInCapture - soundInReference
        offsetFrames = offset
        silentBefore = capture[..<offset].allSatisfy { $0 == 0 }
        var c = offset
        var r = 0
        func agree(_ ci: Int, _ ri: Int) -> Bool {
            let count = min(Self.window, reference.count - ri)
            return count > 0 && ci + count <= capture.count && capture[ci..<ci + count] == reference[ri..<ri + count]
        }
        while r < reference.count {
            if c < capture.count && capture[c] == reference[r] {
                c += 1
                r += 1
            } else if agree(c + 1, r) {
                insertedBefore.append(r)
                c += 1
            } else if agree(c, r + 1) {
                dropped.append(r)
                r += 1
            } else {
                breakFrame = r
                break
            }
        }
        silentAfter = breakFrame == nil && capture[min(c, capture.count)...].allSatisfy { $0 == 0 }
    }

    private static func frames(_ data: Data) -> [UInt32] {
        data.withUnsafeBytes { Array($0.bindMemory(to: UInt32.self).prefix(data.count / 4)) }
    }
}
