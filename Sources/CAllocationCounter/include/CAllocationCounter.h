// Counts calls to malloc, calloc and realloc in the process that links it, by
// defining those functions in the executable (ELF symbol interposition) and
// forwarding to glibc's __libc_* implementations. Swift's runtime allocates
// every object and array buffer of alignment <= 16 through malloc, so the
// count covers the allocations benchmarks care about; posix_memalign and
// aligned_alloc (alignment > 16) are not counted.
#ifndef RAFTCAST_ALLOCATION_COUNTER_H
#define RAFTCAST_ALLOCATION_COUNTER_H

/// Number of malloc/calloc/realloc calls so far in this process.
unsigned long long raftcast_allocation_count(void);

#endif
