#if canImport(Glibc)
import Glibc
#endif

/// Says which input crashed the process. The runner stores the iteration before each input; on a fatal
/// signal (a Swift trap is SIGILL or SIGTRAP, a wild read SIGSEGV or SIGBUS, an abort SIGABRT) the handler
/// writes one line `fuzz: crash in <target> seed <s> input <i> (signal <n>)` to stderr with
/// async-signal-safe calls only, then puts back the handler that was there before (the Swift runtime's
/// backtracer, which names the trap and prints the stack) and lets the fault happen again.
public enum FuzzCrashReporter {
    private nonisolated(unsafe) static let iteration: UnsafeMutablePointer<Int> = {
        let p = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        p.initialize(to: -1)
        return p
    }()
    /// "fuzz: crash in <target> seed <s> input ", preformatted (the handler must not allocate).
    private nonisolated(unsafe) static let prefix = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
    private nonisolated(unsafe) static var prefixLength = 0
    private nonisolated(unsafe) static var installed = false
    /// The handlers that were installed before, by signal number.
    private nonisolated(unsafe) static let previous = UnsafeMutablePointer<sigaction>.allocate(capacity: 32)

    static let signals: [Int32] = [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE]

    /// Records the input about to run.
    @inline(__always)
    public static func current(iteration value: Int) {
        iteration.pointee = value
    }

    /// Installs the handlers for a run of `target` with `seed`.
    public static func install(target: String, seed: UInt64) {
        let text = Array("fuzz: crash in \(target) seed \(seed) input ".utf8.prefix(255))
        for (i, byte) in text.enumerated() { prefix[i] = byte }
        prefixLength = text.count
        _ = iteration  // allocate now, not in the handler
        guard !installed else { return }
        installed = true
        for signal in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in FuzzCrashReporter.report(signal: number) }
            action.sa_flags = 0
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, previous + Int(signal))
        }
    }

    private static func report(signal: Int32) {
        _ = write(2, prefix, prefixLength)
        writeDecimal(iteration.pointee)
        writeText(" (signal ")
        writeDecimal(Int(signal))
        writeText(")\n")
        sigaction(signal, previous + Int(signal), nil)
        // A fault (ud2, a bad address, a division) happens again when the handler returns, now in the
        // previous handler with the faulting context intact; an abort raises again itself. Only a
        // breakpoint trap has moved past its instruction.
        if signal == SIGTRAP { raise(signal) }
    }

    private static func writeText(_ text: StaticString) {
        _ = write(2, text.utf8Start, text.utf8CodeUnitCount)
    }

    private static func writeDecimal(_ value: Int) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { raw in
            var v = value.magnitude
            var at = raw.count
            repeat {
                at -= 1
                raw[at] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            } while v > 0
            if value < 0 { at -= 1; raw[at] = UInt8(ascii: "-") }
            _ = write(2, raw.baseAddress! + at, raw.count - at)
        }
    }
}
