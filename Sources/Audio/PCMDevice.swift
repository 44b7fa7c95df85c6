/// The few snd_pcm calls the write path makes, so the write/recover loop (``PCMWriter``) can be
/// driven by a scripted fake in tests and by ``ALSAPCMDevice`` in the product.
///
/// Return values follow ALSA: a negative errno on failure.
protocol PCMDevice: AnyObject {
    /// snd_pcm_writei: frames accepted (≥ 0) or a negative errno (-EAGAIN, -EPIPE, -ESTRPIPE, -EINTR, ...).
    func writeInterleaved(_ samples: UnsafePointer<Int16>, frames: Int) -> Int
    /// snd_pcm_recover(code, silent): 0 once the device is ready again, or a negative errno.
    func recover(from code: Int32) -> Int32
    /// snd_pcm_wait: 1 when there is room, 0 on timeout, or a negative errno.
    func waitForRoom(timeoutMilliseconds: Int32) -> Int32
}
