// libavformat (demuxing and muxing) loaded with dlopen on first use instead of at start.
//
// Debian's libavformat pulls 38 shared objects that libavcodec does not (network protocols, TLS, SSH,
// Blu-ray, game-music and tracker formats, ZeroMQ, …): linked at start they cost every node about
// 8 MiB of resident memory (their relocated data, and the pages the loader touches), yet only the
// leader's ingest (Demuxer) and HLS remuxing (FMP4Muxer) use libavformat; a playing follower decodes
// fragments with libavcodec alone. So the executable does not link libavformat (CFFmpeg's modulemap
// does not list it) and this file defines, under their own names, the libavformat functions Media
// calls: each loads the library once (pthread_once) and calls the real function through a pointer
// resolved with dlsym on the library's handle. The definitions are checked against libavformat's own
// header (same names, so a signature that drifts fails to compile). A new libavformat call in Swift
// fails to link until it gets its line below.
//
// If the library cannot be loaded (a broken install), the process stops with one line on stderr: the
// same outcome as the dynamic loader refusing to start it, only later. Packages and images still install
// libavformat (Dockerfile, scripts/bootstrap.sh): nothing in the executable's dynamic section asks for it.
#include "CFFmpegFormat.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <libavformat/avformat.h>
#include <libavformat/avio.h>

#define RC_STR2(x) #x
#define RC_STR(x) RC_STR2(x)
// The soname of the major version the headers describe, e.g. "libavformat.so.59".
#define RC_AVFORMAT_SONAME "libavformat.so." RC_STR(LIBAVFORMAT_VERSION_MAJOR)

// The soname, in a section of its own: scripts/release.sh reads it (`readelf -p raftcast_dlopen`) to list
// the package of a library the dynamic section does not name. Referenced by dlopen, so the link keeps it.
__attribute__((section("raftcast_dlopen"), used)) static const char rc_avformat_soname[] = RC_AVFORMAT_SONAME;

// X(return type, name, (parameters), (arguments)) for every libavformat function Media uses.
#define RC_AVFORMAT_FUNCTIONS(X) \
    X(int, av_find_best_stream, \
      (AVFormatContext *ic, enum AVMediaType type, int wanted_stream_nb, int related_stream, \
       const AVCodec **decoder_ret, int flags), \
      (ic, type, wanted_stream_nb, related_stream, decoder_ret, flags)) \
    X(const AVInputFormat *, av_find_input_format, (const char *short_name), (short_name)) \
    X(int, av_read_frame, (AVFormatContext *s, AVPacket *pkt), (s, pkt)) \
    X(int, av_write_frame, (AVFormatContext *s, AVPacket *pkt), (s, pkt)) \
    X(int, avformat_alloc_output_context2, \
      (AVFormatContext **ctx, const AVOutputFormat *oformat, const char *format_name, const char *filename), \
      (ctx, oformat, format_name, filename)) \
    X(void, avformat_close_input, (AVFormatContext **s), (s)) \
    X(int, avformat_find_stream_info, (AVFormatContext *ic, AVDictionary **options), (ic, options)) \
    X(void, avformat_free_context, (AVFormatContext *s), (s)) \
    X(int, avformat_index_get_entries_count, (const AVStream *st), (st)) \
    X(AVStream *, avformat_new_stream, (AVFormatContext *s, const AVCodec *c), (s, c)) \
    X(int, avformat_open_input, \
      (AVFormatContext **ps, const char *url, const AVInputFormat *fmt, AVDictionary **options), \
      (ps, url, fmt, options)) \
    X(unsigned, avformat_version, (void), ()) \
    X(int, avformat_write_header, (AVFormatContext *s, AVDictionary **options), (s, options)) \
    X(AVIOContext *, avio_alloc_context, \
      (unsigned char *buffer, int buffer_size, int write_flag, void *opaque, \
       int (*read_packet)(void *opaque, uint8_t *buf, int buf_size), \
       int (*write_packet)(void *opaque, uint8_t *buf, int buf_size), \
       int64_t (*seek)(void *opaque, int64_t offset, int whence)), \
      (buffer, buffer_size, write_flag, opaque, read_packet, write_packet, seek)) \
    X(void, avio_context_free, (AVIOContext **s), (s)) \
    X(void, avio_flush, (AVIOContext *s), (s)) \
    X(int64_t, avio_seek, (AVIOContext *s, int64_t offset, int whence), (s, offset, whence))

// The resolved functions.
#define RC_POINTER(ret, name, params, args) static ret(*rc_real_##name) params;
RC_AVFORMAT_FUNCTIONS(RC_POINTER)

static pthread_once_t rc_once = PTHREAD_ONCE_INIT;
static int rc_loaded;

static void rc_fail(const char *what) {
    fprintf(stderr, "raftcast: cannot load %s: %s\n", what, dlerror());
    abort();
}

static void rc_load(void) {
    void *handle = dlopen(rc_avformat_soname, RTLD_NOW | RTLD_LOCAL);
    if (!handle) rc_fail(RC_AVFORMAT_SONAME);
#define RC_RESOLVE(ret, name, params, args) \
    if (!(*(void **)&rc_real_##name = dlsym(handle, #name))) rc_fail(RC_AVFORMAT_SONAME " symbol " #name);
    RC_AVFORMAT_FUNCTIONS(RC_RESOLVE)
#undef RC_RESOLVE
    __atomic_store_n(&rc_loaded, 1, __ATOMIC_RELEASE);
}

int raftcast_avformat_load(void) {
    pthread_once(&rc_once, rc_load);
    return 1;
}

int raftcast_avformat_loaded(void) { return __atomic_load_n(&rc_loaded, __ATOMIC_ACQUIRE); }

// The trampolines: libavformat's functions, under their own names.
#define RC_TRAMPOLINE(ret, name, params, args) \
    ret name params { \
        pthread_once(&rc_once, rc_load); \
        return rc_real_##name args; \
    }
RC_AVFORMAT_FUNCTIONS(RC_TRAMPOLINE)
