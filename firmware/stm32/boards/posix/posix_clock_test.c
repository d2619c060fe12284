/*
 * The POSIX board's clocks (posix_clock.c). Every check is an inequality
 * between readings taken around the code under test (the clock's own sources
 * read independently, before and after), so a loaded machine cannot break it:
 * no check depends on how long anything took.
 *
 *   posix_clock_test
 */
#define _GNU_SOURCE
#include "posix_clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int s_failures;

#define CHECK(cond)                                                                                     \
    do {                                                                                                \
        if (!(cond)) {                                                                                  \
            fprintf(stderr, "%s:%d: %s: CHECK failed: %s\n", __FILE__, __LINE__, __func__, #cond);      \
            s_failures++;                                                                               \
        }                                                                                               \
    } while (0)

#define MS 1000000ull



/* Stands for the host descheduling the sim, or any block the firmware did not declare as a wait. */
static void sleep_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull)};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* Burns this thread's CPU for at least `ns` of CPU time. */
static void compute_ns(uint64_t ns)
{
    volatile uint64_t sink = 0;
    uint64_t until = posix_clock_thread_cpu_ns() + ns;
    while (posix_clock_thread_cpu_ns() < until) {
        for (int i = 0; i < 1000; i++) {
            sink += (uint64_t)i * 2654435761u;
        }
    }
}

static void test_parse(void)
{
    posix_clock_kind_t kind = POSIX_CLOCK_WALL;
    CHECK(posix_clock_parse("cpu", &kind) == 0 && kind == POSIX_CLOCK_CPU);
    CHECK(posix_clock_parse("wall", &kind) == 0 && kind == POSIX_CLOCK_WALL);
    CHECK(posix_clock_parse("CPU", &kind) == -1);
    CHECK(posix_clock_parse("", &kind) == -1);
    CHECK(posix_clock_parse("cpux", &kind) == -1);
    CHECK(kind == POSIX_CLOCK_WALL); /* a refused text leaves the choice alone */
}

/* cpu: computing advances the clock by exactly the CPU time spent (bracketed both ways). */
static void test_cpu_counts_computing(void)
{
    posix_clock_select(POSIX_CLOCK_CPU);
    uint64_t outer_c0 = posix_clock_thread_cpu_ns();
    uint64_t v0 = posix_clock_now_ns();
    uint64_t inner_c0 = posix_clock_thread_cpu_ns();
    compute_ns(20 * MS);
    uint64_t inner_c1 = posix_clock_thread_cpu_ns();
    uint64_t v1 = posix_clock_now_ns();
    uint64_t outer_c1 = posix_clock_thread_cpu_ns();
    CHECK(v1 - v0 >= inner_c1 - inner_c0);
    CHECK(v1 - v0 <= outer_c1 - outer_c0);
    CHECK(v1 - v0 >= 20 * MS);
}

/* cpu: time the thread does not run, outside a declared wait, is not on the clock. */
static void test_cpu_ignores_descheduling(void)
{
    posix_clock_select(POSIX_CLOCK_CPU);
    uint64_t c0 = posix_clock_thread_cpu_ns();
    uint64_t w0 = posix_clock_monotonic_ns();
    uint64_t v0 = posix_clock_now_ns();
    sleep_ns(60 * MS);
    uint64_t v1 = posix_clock_now_ns();
    uint64_t w1 = posix_clock_monotonic_ns();
    uint64_t c1 = posix_clock_thread_cpu_ns();
    CHECK(w1 - w0 >= 60 * MS);     /* the time did pass on the wall */
    CHECK(v1 - v0 <= c1 - c0);     /* but only the CPU time used counts */
}

/* cpu: a wait counts as what it asked for when the wakeup comes late. */
static void test_cpu_wait_capped_at_asked(void)
{
    posix_clock_select(POSIX_CLOCK_CPU);
    uint64_t c0 = posix_clock_thread_cpu_ns();
    uint64_t v0 = posix_clock_now_ns();
    posix_clock_wait_t w = posix_clock_wait_begin();
    sleep_ns(80 * MS); /* the host let us run 80 ms after a 20 ms timeout */
    posix_clock_wait_end(&w, 20 * MS);
    uint64_t v1 = posix_clock_now_ns();
    uint64_t c1 = posix_clock_thread_cpu_ns();
    CHECK(v1 - v0 >= 20 * MS);
    CHECK(v1 - v0 <= 20 * MS + (c1 - c0));
}

/* cpu: a wait cut short (input arrived) counts as the time waited. */
static void test_cpu_wait_counts_time_waited(void)
{
    posix_clock_select(POSIX_CLOCK_CPU);
    uint64_t w0 = posix_clock_monotonic_ns();
    uint64_t v0 = posix_clock_now_ns();
    posix_clock_wait_t w = posix_clock_wait_begin();
    sleep_ns(15 * MS);
    posix_clock_wait_end(&w, 1000 * MS);
    uint64_t v1 = posix_clock_now_ns();
    uint64_t w1 = posix_clock_monotonic_ns();
    CHECK(v1 - v0 >= 15 * MS);
    CHECK(v1 - v0 <= w1 - w0); /* never ahead of real time */

    /* Unbounded (idle with no task set): the same. */
    v0 = posix_clock_now_ns();
    w = posix_clock_wait_begin();
    sleep_ns(10 * MS);
    posix_clock_wait_end(&w, POSIX_CLOCK_WAIT_UNBOUNDED);
    CHECK(posix_clock_now_ns() - v0 >= 10 * MS);
}

/* cpu: sleeping until a board time lands on it, not later, however late the wakeup. */
static void test_cpu_sleep_until(void)
{
    posix_clock_select(POSIX_CLOCK_CPU);
    uint64_t target = posix_clock_now_ns() + 5 * MS;
    uint64_t c0 = posix_clock_thread_cpu_ns();
    posix_clock_sleep_until(target);
    uint64_t v = posix_clock_now_ns();
    uint64_t c1 = posix_clock_thread_cpu_ns();
    CHECK(v >= target);
    CHECK(v <= target + (c1 - c0));
    /* A time already passed: no wait, nothing added. */
    c0 = posix_clock_thread_cpu_ns();
    uint64_t v0 = posix_clock_now_ns();
    posix_clock_sleep_until(v0 - 1);
    CHECK(posix_clock_now_ns() - v0 <= posix_clock_thread_cpu_ns() - c0);
}

/* wall: everything counts, declared waits just as they are. */
static void test_wall(void)
{
    posix_clock_select(POSIX_CLOCK_WALL);
    CHECK(posix_clock_kind() == POSIX_CLOCK_WALL);
    uint64_t v0 = posix_clock_now_ns();
    sleep_ns(20 * MS);
    uint64_t v1 = posix_clock_now_ns();
    CHECK(v1 - v0 >= 20 * MS);
    posix_clock_wait_t w = posix_clock_wait_begin();
    sleep_ns(30 * MS);
    posix_clock_wait_end(&w, 1 * MS); /* asked for less: wall time does not care */
    CHECK(posix_clock_now_ns() - v1 >= 30 * MS);
}

/* Both: restart puts the clock back near 0, and it never decreases. */
static void test_restart_and_monotonic(void)
{
    const posix_clock_kind_t kinds[] = {POSIX_CLOCK_WALL, POSIX_CLOCK_CPU};
    for (size_t k = 0; k < 2; k++) {
        posix_clock_select(kinds[k]);
        sleep_ns(5 * MS);
        compute_ns(2 * MS);
        uint64_t w0 = posix_clock_monotonic_ns();
        posix_clock_restart();
        uint64_t v = posix_clock_now_ns();
        CHECK(v <= posix_clock_monotonic_ns() - w0);
        uint64_t last = v;
        for (int i = 0; i < 20000; i++) {
            if (i % 1000 == 0) {
                posix_clock_wait_t w = posix_clock_wait_begin();
                sleep_ns(100000);
                posix_clock_wait_end(&w, (uint64_t)(i % 3) * 50000u);
            }
            uint64_t now = posix_clock_now_ns();
            CHECK(now >= last);
            last = now;
        }
        CHECK(posix_clock_name(kinds[k])[0] == (k == 0 ? 'w' : 'c'));
    }
}

int main(void)
{
    test_parse();
    test_cpu_counts_computing();
    test_cpu_ignores_descheduling();
    test_cpu_wait_capped_at_asked();
    test_cpu_wait_counts_time_waited();
    test_cpu_sleep_until();
    test_wall();
    test_restart_and_monotonic();
    if (s_failures != 0) {
        fprintf(stderr, "posix_clock_test: %d check(s) failed\n", s_failures);
        return 1;
    }
    printf("posix_clock_test: ok\n");
    return 0;
}
