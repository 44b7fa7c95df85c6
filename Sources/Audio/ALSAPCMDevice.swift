import CALSA

/// ``PCMDevice`` over an open `snd_pcm_t` (owned by ``ALSASink``, which closes it).
final class ALSAPCMDevice: PCMDevice {
    /// The open PCM handle.
    let handle: OpaquePointer

    /// Wraps an open PCM handle; the caller keeps ownership.
    init(handle: OpaquePointer) {
        self.handle = handle
    }

    func writeInterleaved(_ samples: UnsafePointer<Int16>, frames: Int) -> Int {
        Int(snd_pcm_writei(handle, samples, snd_pcm_uframes_t(frames)))
    }

    func recover(from code: Int32) -> Int32 {
        snd_pcm_recover(handle, code, 1)
    }

    func waitForRoom(timeoutMilliseconds: Int32) -> Int32 {
        snd_pcm_wait(handle, timeoutMilliseconds)
    }
}
