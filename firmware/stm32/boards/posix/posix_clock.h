/*
 * POSIX board clock: what port_ticks() counts, and how waiting moves it.
 *
 * wall  (default) CLOCK_MONOTONIC since boot: the sim keeps real time like a
 *       board, and so does everything that happens to the host process. A
 *       loaded host that deschedules the sim stretches job times and delays
 *       releases, so every run is a different trace.
 * cpu   a virtual clock: it advances with the sim thread's CPU time
 *       (CLOCK_THREAD_CPUTIME_ID) while the firmware computes, and by the time
 *       it waited while the firmware waits (port_idle, UART pacing) but never by
 *       more than the wait asked for. Time the host takes the CPU away is not
 *       counted: job execution times do not bend, and releases (which wait for
 *       exactly their release time) follow the virtual timeline.
 *
 * All times here are ns since the last posix_clock_restart().
 */
#ifndef RTINFER_POSIX_CLOCK_H
#define RTINFER_POSIX_CLOCK_H

#include <stdint.h>

typedef enum {
    POSIX_CLOCK_WALL = 0,
    POSIX_CLOCK_CPU = 1,
} posix_clock_kind_t;

/* Wait without an upper bound (port_idle(PORT_IDLE_FOREVER)). */
#define POSIX_CLOCK_WAIT_UNBOUNDED UINT64_MAX

/* "wall" / "cpu" -> kind; returns 0, or -1 for any other text. */
int posix_clock_parse(const char *text, posix_clock_kind_t *out);
const char *posix_clock_name(posix_clock_kind_t kind);

/* Chooses the clock (before the first restart) and restarts it at 0. */
void posix_clock_select(posix_clock_kind_t kind);
posix_clock_kind_t posix_clock_kind(void);

/* The host's own readings the two kinds are built from, in ns (tests compare against them). */
uint64_t posix_clock_thread_cpu_ns(void);
uint64_t posix_clock_monotonic_ns(void);

/* Restarts the clock at 0 (boot, and after a reset). */
void posix_clock_restart(void);

/* The board's time, ns: what port_ticks() reports. */
uint64_t posix_clock_now_ns(void);

/*
 * Bracket every blocking wait of the firmware (poll, sleep) with these:
 * `asked_ns` is the longest the firmware meant to wait (its timeout, or the
 * sleep's length; POSIX_CLOCK_WAIT_UNBOUNDED for none). In cpu mode the wait
 * counts as min(time waited, asked_ns); in wall mode it counts as it is.
 */
typedef struct {
    uint64_t wall_ns;
    uint64_t cpu_ns;
} posix_clock_wait_t;

posix_clock_wait_t posix_clock_wait_begin(void);
void posix_clock_wait_end(const posix_clock_wait_t *begun, uint64_t asked_ns);

/* Sleeps until board time `t_ns` (returns at once if it has passed). */
void posix_clock_sleep_until(uint64_t t_ns);

#endif
