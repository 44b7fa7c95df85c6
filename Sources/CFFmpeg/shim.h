// Shim over FFmpeg 5.1 for Swift: FFmpeg's function-like and composite
// macros do not import, so each one Swift needs gets a static inline twin.
// libavformat's declarations are here, but the library is not linked: its functions are defined by
// CFFmpegFormat, which loads it on first use (Sources/CFFmpegFormat/FormatLibrary.c).
#ifndef RAFTCAST_CFFMPEG_SHIM_H
#define RAFTCAST_CFFMPEG_SHIM_H

#include <errno.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/channel_layout.h>
#include <libavutil/crc.h>
#include <libavutil/error.h>
#include <libavutil/opt.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>

static inline int rc_averror(int e) { return AVERROR(e); }
static inline int rc_averror_eof(void) { return AVERROR_EOF; }
static inline int rc_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int rc_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int64_t rc_av_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline AVRational rc_av_time_base_q(void) { return AV_TIME_BASE_Q; }
static inline int rc_disposition_attached_pic(void) { return AV_DISPOSITION_ATTACHED_PIC; }

/// CRC-32 (IEEE 802.3, reflected, as zlib's crc32) of `len` bytes, continuing from `crc`
/// (start with 0).
static inline uint32_t rc_crc32_ieee(uint32_t crc, const uint8_t *buf, size_t len) {
    return av_crc(av_crc_get_table(AV_CRC_32_IEEE_LE), crc ^ 0xFFFFFFFFu, buf, len) ^ 0xFFFFFFFFu;
}

#endif
