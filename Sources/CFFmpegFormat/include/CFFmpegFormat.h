// libavformat, loaded on first use (see FormatLibrary.c). Nothing to import: the shim defines
// libavformat's own functions, so Media calls them through CFFmpeg's header as before.
#ifndef RAFTCAST_CFFMPEG_FORMAT_H
#define RAFTCAST_CFFMPEG_FORMAT_H

/// Loads libavformat now if it is not loaded yet (the functions below do it on their first call);
/// returns 1 once it is loaded. For tests and diagnostics.
int raftcast_avformat_load(void);

/// 1 if libavformat is loaded in this process, 0 if not (nothing has needed it yet).
int raftcast_avformat_loaded(void);

#endif
