// glibc's allocator controls (mallopt, malloc_trim), which Swift's Glibc module does not import
// (they live in <malloc.h>). Only Node imports this, for HeapTrimService.
#ifndef RAFTCAST_CMALLOC_SHIM_H
#define RAFTCAST_CMALLOC_SHIM_H
#include <malloc.h>
#endif
