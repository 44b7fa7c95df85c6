// Shim over alsa-lib for Swift.
#ifndef RAFTCAST_CALSA_SHIM_H
#define RAFTCAST_CALSA_SHIM_H
#include <alsa/asoundlib.h>
#endif
