/*
 * bench:enclave's floor for the dispatcher's release jitter: how late clock_nanosleep(CLOCK_MONOTONIC,
 * TIMER_ABSTIME) wakes on this machine, measured as the agent's dispatcher sleeps (agent_dispatch_thread.c): a
 * thread under SCHED_FIFO where allowed (else normal priority, said in the output), periodic absolute wake-ups,
 * and after each a busy loop of `work` µs of thread CPU time, as a normal-world job of the same period and work.
 *
 * usage: bench_nanosleep <period_us> <work_us> <count>   → one JSON line: p50/p99/max lateness in µs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MAX_SAMPLES 200000u

static uint64_t s_late_ns[MAX_SAMPLES];
static struct {
    uint64_t period_ns, work_ns;
    unsigned count;
} s_args;

static uint64_t ns_of(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *measure(void *unused)
{
    (void)unused;
    uint64_t next = ns_of(CLOCK_MONOTONIC) + s_args.period_ns;
    for (unsigned i = 0; i < s_args.count; i++, next += s_args.period_ns) {
        const struct timespec at = {(time_t)(next / 1000000000ull), (long)(next % 1000000000ull)};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == EINTR) {
        }
        const uint64_t now = ns_of(CLOCK_MONOTONIC);
        s_late_ns[i] = now > next ? now - next : 0;
        const uint64_t cpu0 = ns_of(CLOCK_THREAD_CPUTIME_ID);
        while (ns_of(CLOCK_THREAD_CPUTIME_ID) - cpu0 < s_args.work_ns) {
        }
    }
    return NULL;
}

static int by_value(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double at_quantile(double q)
{
    unsigned index = (unsigned)(q * (double)(s_args.count - 1u) + 0.5);
    return (double)s_late_ns[index] / 1000.0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s <period_us> <work_us> <count>\n", argv[0]);
        return 2;
    }
    s_args.period_ns = strtoull(argv[1], NULL, 10) * 1000ull;
    s_args.work_ns = strtoull(argv[2], NULL, 10) * 1000ull;
    s_args.count = (unsigned)strtoul(argv[3], NULL, 10);
    if (s_args.period_ns == 0 || s_args.count == 0 || s_args.count > MAX_SAMPLES || s_args.work_ns >= s_args.period_ns) {
        fprintf(stderr, "bench_nanosleep: period > work > 0 µs and 1..%u samples\n", MAX_SAMPLES);
        return 2;
    }
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    struct sched_param param = {.sched_priority = sched_get_priority_min(SCHED_FIFO) + 10};
    pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
    pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
    pthread_attr_setschedparam(&attr, &param);
    int fifo = 1;
    if (pthread_create(&thread, &attr, measure, NULL) != 0) {
        fifo = 0;
        if (pthread_create(&thread, NULL, measure, NULL) != 0) {
            return 1;
        }
    }
    pthread_attr_destroy(&attr);
    pthread_join(thread, NULL);
    qsort(s_late_ns, s_args.count, sizeof s_late_ns[0], by_value);
    printf("{\"samples\":%u,\"fifo\":%s,\"p50_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f}\n", s_args.count,
           fifo ? "true" : "false", at_quantile(0.5), at_quantile(0.99), at_quantile(1.0));
    return 0;
}
