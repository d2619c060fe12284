/* POSIX board clock: wall (CLOCK_MONOTONIC) or cpu (thread CPU time + bounded waits); see posix_clock.h. */
#define _GNU_SOURCE
#include "posix_clock.h"

#include <string.h>
#include <time.h>

static posix_clock_kind_t g_kind = POSIX_CLOCK_WALL;
static uint64_t g_wall_t0_ns;
static uint64_t g_cpu_t0_ns;
/* cpu mode: the part of the waits that counts, beyond the CPU time spent waiting. */
static uint64_t g_waited_ns;

static uint64_t read_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The thread's, not the process's: ASan and libc may run threads of their own. */
uint64_t posix_clock_thread_cpu_ns(void)
{
    return read_ns(CLOCK_THREAD_CPUTIME_ID);
}

uint64_t posix_clock_monotonic_ns(void)
{
    return read_ns(CLOCK_MONOTONIC);
}

int posix_clock_parse(const char *text, posix_clock_kind_t *out)
{
    if (strcmp(text, "wall") == 0) {
        *out = POSIX_CLOCK_WALL;
        return 0;
    }
    if (strcmp(text, "cpu") == 0) {
        *out = POSIX_CLOCK_CPU;
        return 0;
    }
    return -1;
}

const char *posix_clock_name(posix_clock_kind_t kind)
{
    return kind == POSIX_CLOCK_CPU ? "cpu" : "wall";
}

void posix_clock_select(posix_clock_kind_t kind)
{
    g_kind = kind;
    posix_clock_restart();
}

posix_clock_kind_t posix_clock_kind(void)
{
    return g_kind;
}

void posix_clock_restart(void)
{
    g_wall_t0_ns = posix_clock_monotonic_ns();
    g_cpu_t0_ns = posix_clock_thread_cpu_ns();
    g_waited_ns = 0;
}

uint64_t posix_clock_now_ns(void)
{
    if (g_kind == POSIX_CLOCK_CPU) {
        return posix_clock_thread_cpu_ns() - g_cpu_t0_ns + g_waited_ns;
    }
    return posix_clock_monotonic_ns() - g_wall_t0_ns;
}

posix_clock_wait_t posix_clock_wait_begin(void)
{
    posix_clock_wait_t w = {posix_clock_monotonic_ns(), posix_clock_thread_cpu_ns()};
    return w;
}

void posix_clock_wait_end(const posix_clock_wait_t *begun, uint64_t asked_ns)
{
    if (g_kind != POSIX_CLOCK_CPU) {
        return; /* the wall clock counted the wait by itself */
    }
    uint64_t waited = posix_clock_monotonic_ns() - begun->wall_ns;
    uint64_t spent = posix_clock_thread_cpu_ns() - begun->cpu_ns; /* already on the clock */
    /* A late wakeup (the host ran something else) counts only up to what was asked:
     * a release waited for lands on its release time, however late the host let us run. */
    uint64_t counted = waited < asked_ns ? waited : asked_ns;
    if (counted > spent) {
        g_waited_ns += counted - spent;
    }
}

void posix_clock_sleep_until(uint64_t t_ns)
{
    uint64_t now = posix_clock_now_ns();
    if (t_ns <= now) {
        return;
    }
    uint64_t d = t_ns - now;
    struct timespec ts = {(time_t)(d / 1000000000ull), (long)(d % 1000000000ull)};
    posix_clock_wait_t w = posix_clock_wait_begin();
    (void)nanosleep(&ts, NULL); /* a signal cuts it short: then only the part slept counts */
    posix_clock_wait_end(&w, d);
}
