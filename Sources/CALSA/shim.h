// Shim over alsa-lib for Swift.
//
// Swift cannot import ALSA's function-like macros (snd_pcm_hw_params_alloca, ...) and cannot
// define a C variadic function, which ALSA's error handler is. This header supplies:
//   - a captured error handler: ALSA's own log lines ("Unknown PCM nosuchdevice") are kept in a
//     per-thread buffer instead of being printed to stderr, so the product prints one line of its
//     own and can quote ALSA's reason;
//   - the errno values the write/recover loop switches on, as plain functions.
// (The playback thread's timer slack, prctl, is in CProcessControl.)
// snd_pcm_hw_params_alloca / sw_params_alloca are replaced in Swift by the *_malloc / *_free pairs.
#ifndef RAFTCAST_CALSA_SHIM_H
#define RAFTCAST_CALSA_SHIM_H
#include <alsa/asoundlib.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/// Size of the buffer that keeps ALSA's last error log line (per thread).
#define RAFTCAST_ALSA_MESSAGE_CAPACITY 512

/// The per-thread buffer holding ALSA's last error line (a function-local static, so that Swift's
/// importer emits it together with the functions that use it).
static inline char *raftcast_alsa_message_buffer(void) {
    static _Thread_local char buffer[RAFTCAST_ALSA_MESSAGE_CAPACITY];
    return buffer;
}

static void raftcast_alsa_capture_error(const char *file, int line, const char *function, int err,
                                        const char *fmt, ...) {
    (void)file; (void)line; (void)function; (void)err;
    va_list args;
    va_start(args, fmt);
    vsnprintf(raftcast_alsa_message_buffer(), RAFTCAST_ALSA_MESSAGE_CAPACITY, fmt, args);
    va_end(args);
}

/// Routes ALSA's error log into the per-thread buffer read by raftcast_alsa_last_error_message().
static inline int raftcast_alsa_capture_errors(void) {
    return snd_lib_error_set_handler(raftcast_alsa_capture_error);
}

/// The last error line ALSA logged on this thread ("" if none since the last clear).
static inline const char *raftcast_alsa_last_error_message(void) {
    return raftcast_alsa_message_buffer();
}

/// Forgets the last captured ALSA error line of this thread.
static inline void raftcast_alsa_clear_error_message(void) {
    raftcast_alsa_message_buffer()[0] = '\0';
}

static inline int raftcast_errno_EAGAIN(void) { return EAGAIN; }
static inline int raftcast_errno_EPIPE(void) { return EPIPE; }
static inline int raftcast_errno_ESTRPIPE(void) { return ESTRPIPE; }
static inline int raftcast_errno_EINTR(void) { return EINTR; }
static inline int raftcast_errno_ENOENT(void) { return ENOENT; }
static inline int raftcast_errno_ENODEV(void) { return ENODEV; }

#endif
