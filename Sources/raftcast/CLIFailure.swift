import ArgumentParser
import Audio
import Foundation
import Media

/// A failure the CLI reports as one line on stderr, `error: <subject>: <reason>`, and an exit code:
/// 2 for bad input or usage, 1 for a runtime failure (DESIGN.md section 3).
struct CLIFailure: Error, CustomStringConvertible {
    /// The exit codes of the `raftcast` tool.
    enum Code: Int32 {
        case runtimeFailure = 1
        case badInput = 2
    }

    /// The file, device or setting the failure is about.
    let subject: String
    /// Why, in a few words.
    let reason: String
    let code: Code

    var description: String { "error: \(subject): \(reason)" }

    init(subject: String, reason: String, code: Code) {
        self.subject = subject
        self.reason = reason
        self.code = code
    }

    static func badInput(_ subject: String, _ reason: String) -> CLIFailure {
        CLIFailure(subject: subject, reason: reason, code: .badInput)
    }

    static func runtime(_ subject: String, _ reason: String) -> CLIFailure {
        CLIFailure(subject: subject, reason: reason, code: .runtimeFailure)
    }

    /// Maps the modules' typed errors to a CLI failure.
    init(_ error: any Error) {
        switch error {
        case let failure as CLIFailure:
            self = failure
        case let media as MediaError:
            // A decoder that fails mid-file is a runtime failure; everything else about a file is bad input.
            self = CLIFailure(
                subject: media.kind == .invalidSetting ? "--fragment-seconds" : media.file,
                reason: media.reason,
                code: media.kind == .decoderFailure ? .runtimeFailure : .badInput)
        case let audio as AudioError:
            self = CLIFailure(
                subject: audio.subject,
                reason: Self.reason(of: audio),
                code: audio.isBadInput ? .badInput : .runtimeFailure)
        default:
            self = .runtime("raftcast", String(describing: error))
        }
    }

    /// `AudioError.description` starts with its subject; keep only the reason after it.
    private static func reason(of error: AudioError) -> String {
        let text = error.description
        let prefix = "\(error.subject): "
        return text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text
    }
}

extension CLIFailure {
    /// Runs `body`; on failure prints the one-line error to stderr and exits with its code.
    static func reporting<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            let failure = CLIFailure(error)
            Diagnostics.error(subject: failure.subject, reason: failure.reason)
            throw ExitCode(failure.code.rawValue)
        }
    }
}

extension CLIFailure {
    /// Prints the one-line error to stderr and returns the exit that carries its code.
    static func reportingExit(_ failure: CLIFailure) -> ExitCode {
        Terminal.standardError.writeLine(failure.description)
        return ExitCode(failure.code.rawValue)
    }
}
