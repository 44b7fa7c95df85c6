// prctl(2) for Swift, the one place the project calls it. prctl is variadic, which Swift does not
// import from Glibc: these fixed-argument wrappers are what Swift calls.
//   - the calling thread's timer slack (Audio: the playback thread);
//   - the parent-death signal (raftcast: a node the demo spawned dies with the demo).
#ifndef RAFTCAST_CPROCESSCONTROL_SHIM_H
#define RAFTCAST_CPROCESSCONTROL_SHIM_H
#include <sys/prctl.h>

/// Sets the calling thread's timer slack: how much later than asked the kernel may end its sleeps
/// (to batch wake-ups; 50 µs by default). Returns 0, or -1 with errno set.
static inline int raftcast_set_timer_slack(unsigned long nanoseconds) {
    return prctl(PR_SET_TIMERSLACK, nanoseconds, 0UL, 0UL, 0UL);
}

/// The calling thread's timer slack in nanoseconds (or -1 with errno set).
static inline long raftcast_timer_slack(void) {
    return (long)prctl(PR_GET_TIMERSLACK, 0UL, 0UL, 0UL, 0UL);
}

/// Asks the kernel to send `signal` to this process when the thread that created it exits
/// (PR_SET_PDEATHSIG; kept across execve, cleared by fork). Returns 0, or -1 with errno set.
static inline int raftcast_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0UL, 0UL, 0UL);
}

#endif
