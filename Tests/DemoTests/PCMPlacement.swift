import Foundation

/// Where a reference decode sits inside a capture: the capture is expected to be silence, then the
/// reference exactly, then silence.
struct PCMPlacement {
    /// Byte offset of the reference's first frame in the capture (frame-aligned), nil when the
    /// reference's first non-zero frame has no counterpart.
    var offset: Int?
    /// Whether everything before the offset is zero.
    var silentBefore = false
    /// Whether the capture holds the whole reference at the offset.
    var matches = false
    /// The first differing byte, counted in the reference.
    var firstDifference: Int?
    /// Whether everything after the reference is zero.
    var silentAfter = false

    init(capture: Data, reference: Data, frameBytes: Int = 4) {
        let capture = [UInt8](capture)
        let reference = [UInt8](reference)
        func firstSound(_ bytes: [UInt8]) -> Int? {
            var index = 0
            while index + frameBytes <= bytes.count {
                if bytes[index..<index + frameBytes].contains(where: { $0 != 0 }) { return index }
                index += frameBytes
            }
            return nil
        }
        guard let soundInReference = firstSound(reference), let soundInCapture = firstSound(capture),
            soundInCapture >= soundInReference
        else { return }
        let offset = soundInCapture - soundInReference
        self.offset = offset
        silentBefore = capture[0..<offset].allSatisfy { $0 == 0 }
        let available = min(reference.count, capture.count - offset)
        firstDifference = (0..<available).first { capture[offset + $0] != reference[$0] } ?? (available < reference.count ? available : nil)
        matches = firstDifference == nil
        silentAfter = capture[min(offset + reference.count, capture.count)...].allSatisfy { $0 == 0 }
    }
}
