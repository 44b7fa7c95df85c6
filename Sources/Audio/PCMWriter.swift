import CALSA

/// The write/recover loop of ``ALSASink``: writes a buffer of whole frames to a ``PCMDevice``,
/// handling partial writes, a full device (-EAGAIN: wait for room), and recoverable errors
/// (-EPIPE underrun, -ESTRPIPE suspend, -EINTR) through snd_pcm_recover. Any other error, a failed
/// recovery, or too many attempts in a row that make no progress end the write with an ``AudioError``.
///
/// ```
///            +-------- frames > 0 ---------+
///            v                             |
///  write --> writei --+-- 0 / -EAGAIN --> wait(timeout) --> (attempt without progress)
///                     +-- -EPIPE/-ESTRPIPE/-EINTR --> recover --> retry
///                     +-- other --> AudioError.writeFailed
/// ```
struct PCMWriter {
    /// Device name for errors.
    let deviceName: String
    /// Samples per frame.
    let channels: Int
    /// How long one wait for room may take.
    var waitTimeoutMilliseconds: Int32 = 100
    /// Attempts in a row that accept no frame before the write gives up with ``AudioError/stalled(device:attempts:)``.
    var maxAttemptsWithoutProgress = 50

    /// Writes all frames of `samples` (a whole number of frames) to `device`, counting events in `stats`.
    func write(_ samples: UnsafeBufferPointer<Int16>, to device: some PCMDevice, stats: inout PlaybackStats) throws {
        guard let base = samples.baseAddress, samples.count >= channels else { return }
        let frames = samples.count / channels
        var offset = 0
        var attemptsWithoutProgress = 0
        while offset < frames {
            let remaining = frames - offset
            let result = device.writeInterleaved(base + offset * channels, frames: remaining)
            if result > 0 {
                let accepted = min(result, remaining)
                if accepted < remaining { stats.partialWrites += 1 }
                offset += accepted
                stats.framesWritten += accepted
                attemptsWithoutProgress = 0
                continue
            }
            attemptsWithoutProgress += 1
            guard attemptsWithoutProgress <= maxAttemptsWithoutProgress else {
                throw AudioError.stalled(device: deviceName, attempts: attemptsWithoutProgress - 1)
            }
            let code = Int32(clamping: result)
            if code == 0 || code == -raftcast_errno_EAGAIN() {
                stats.waits += 1
                let waited = device.waitForRoom(timeoutMilliseconds: waitTimeoutMilliseconds)
                if waited < 0 { try recover(from: waited, device: device, stats: &stats) }
            } else {
                try recover(from: code, device: device, stats: &stats)
            }
        }
    }

    /// Counts and recovers a recoverable error; throws for any other.
    private func recover(from code: Int32, device: some PCMDevice, stats: inout PlaybackStats) throws {
        switch -code {
        case raftcast_errno_EPIPE(): stats.underruns += 1
        case raftcast_errno_ESTRPIPE(): stats.suspends += 1
        case raftcast_errno_EINTR(): stats.interruptions += 1
        default: throw AudioError.writeFailed(device: deviceName, code: code)
        }
        let recovered = device.recover(from: code)
        if recovered < 0 { throw AudioError.recoveryFailed(device: deviceName, code: recovered) }
    }
}
