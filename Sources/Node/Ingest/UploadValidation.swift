import Foundation
import Media

/// Checks a media file before anything is proposed: it opens, has audio, is not cut short, and cuts into
/// fragments. ``fragmentCount(path:fragmentSeconds:)`` runs the check on its own thread (reading a long
/// file takes a moment) so the HTTP server's tasks never block on it; ``check(path:fragmentSeconds:)`` is
/// the same check, synchronous (the upload-validation fuzz target runs it, docs/fuzzing.md).
public enum UploadValidation {
    /// The number of fragments `path` cuts into at `fragmentSeconds`, or the reason it cannot be ingested.
    static func fragmentCount(path: String, fragmentSeconds: Double) async -> Result<Int, MediaError> {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: check(path: path, fragmentSeconds: fragmentSeconds))
            }
            thread.name = "upload-validation"
            thread.start()
        }
    }

    /// The number of fragments `path` cuts into at `fragmentSeconds`, or the reason it cannot be ingested,
    /// on the calling thread.
    public static func check(path: String, fragmentSeconds: Double) -> Result<Int, MediaError> {
        do throws(MediaError) {
            let plan = try FragmentPlan(source: MediaSource(path: path), targetSeconds: fragmentSeconds)
            guard !plan.entries.isEmpty else {
                return .failure(MediaError(.noAudioData, file: path, reason: "no audio packets"))
            }
            if let truncation = plan.warnings.first(where: \.isTruncation) {
                return .failure(MediaError(.unreadable, file: path, reason: truncation.message))
            }
            return .success(plan.entries.count)
        } catch {
            return .failure(error)
        }
    }
}
