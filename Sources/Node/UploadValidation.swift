import Foundation
import Media

/// Checks a media file before anything is proposed: it opens, has audio, is not cut short, and cuts into
/// fragments. Runs on
/// its own thread (reading a long file takes a moment) so the HTTP server's tasks never block on it.
enum UploadValidation {
    /// The number of fragments `path` cuts into at `fragmentSeconds`, or the reason it cannot be ingested.
    static func fragmentCount(path: String, fragmentSeconds: Double) async -> Result<Int, MediaError> {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                do throws(MediaError) {
                    let plan = try FragmentPlan(source: MediaSource(path: path), targetSeconds: fragmentSeconds)
                    guard !plan.entries.isEmpty else {
                        continuation.resume(returning: .failure(MediaError(.noAudioData, file: path, reason: "no audio packets")))
                        return
                    }
                    if let truncation = plan.warnings.first(where: \.isTruncation) {
                        continuation.resume(returning: .failure(MediaError(.unreadable, file: path, reason: truncation.message)))
                        return
                    }
                    continuation.resume(returning: .success(plan.entries.count))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            thread.name = "upload-validation"
            thread.start()
        }
    }
}
