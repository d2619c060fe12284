/* The dispatcher's thread: see agent_dispatch_thread.h. */
#define _GNU_SOURCE
#include "agent_dispatch_thread.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent_tee.h"
#include "port.h"
#include "trace_ring.h"

/* Events the dispatcher may record before the main thread drains them (24 bytes each): a few seconds of a busy
 * FUSION run between two drains, which happen every few ms. */
#define EVENT_RING 16384u
/* A sleep is cut into pieces no longer than this, so that a STOP does not wait for a long period to pass; the
 * last piece still ends at the release's absolute time. */
#define SLEEP_PIECE_NS 20000000ull

typedef struct {
    uint64_t ticks;
    uint64_t arg;
    uint32_t job;
    uint8_t kind;
    uint8_t task;
} event_t;

static event_t s_events[EVENT_RING];
static atomic_uint s_head; /* next to drain (main thread) */
static atomic_uint s_tail; /* next to write (dispatcher) */
static atomic_uint s_lost;

static struct {
    pthread_t thread;
    int active;
    atomic_int stop;
    atomic_int done;
    ad_run run;
    agent_dispatch_model models[RTINFER_TA_MAX_MODELS];
    engine_error_t failure;
} s_d;

/* The TA request (header, units, the inputs of the jobs an entry starts) and its output: static, no malloc. */
static uint8_t s_request[sizeof(rtinfer_ta_run_request) + AD_MAX_ENTRY_UNITS * sizeof(rtinfer_ta_unit) +
                         RTINFER_TA_MAX_JOB_SLOTS * AGENT_DISPATCH_MAX_INPUT_BYTES];
static uint8_t s_out[RTINFER_TA_MAX_JOB_SLOTS * (sizeof(rtinfer_ta_output) + AGENT_DISPATCH_MAX_OUTPUT_BYTES) +
                     sizeof(rtinfer_ta_run_times) + AD_MAX_ENTRY_UNITS * sizeof(rtinfer_ta_unit_time)]
    __attribute__((aligned(8)));
static float s_input[AGENT_DISPATCH_MAX_INPUT_BYTES / sizeof(float)]; /* every job's input: sealed models carry none */

static uint64_t ns_of(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t op_now(void *context)
{
    (void)context;
    return port_ticks();
}

static void op_sleep_until(void *context, uint64_t t)
{
    (void)context;
    for (;;) {
        const uint64_t now = port_ticks();
        if (now >= t || atomic_load(&s_d.stop)) {
            return;
        }
        /* Board ticks are CLOCK_MONOTONIC ns less an origin: the release's absolute monotonic time. */
        const uint64_t offset = ns_of(CLOCK_MONOTONIC) - port_ticks();
        const uint64_t wake = (t - now > SLEEP_PIECE_NS ? now + SLEEP_PIECE_NS : t) + offset;
        const struct timespec at = {(time_t)(wake / 1000000000ull), (long)(wake % 1000000000ull)};
        (void)clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL);
    }
}

static uint64_t op_busy(void *context, uint64_t work, uint64_t until)
{
    (void)context;
    /* Work is CPU time of this thread, so a loaded machine that takes the core away does not count as work done. */
    const uint64_t cpu0 = ns_of(CLOCK_THREAD_CPUTIME_ID);
    uint64_t done = 0;
    while (done < work && port_ticks() < until && !atomic_load(&s_d.stop)) {
        done = ns_of(CLOCK_THREAD_CPUTIME_ID) - cpu0;
    }
    return done;
}

/* The units' times the TA appended to the entry's output (RTINFER_TA_RUN_TIMES), placed on the agent's clock: the
 * TA's first reading sits after the world enter and its last before the exit; the switch's cost outside the TA is
 * split evenly between the two, as nothing tells them apart. A TA clock that ran past the agent's span is clamped
 * into it, so the times stay ordered and inside the entry. Whole milliseconds (GP's TEE_GetSystemTime, OP-TEE 3.19)
 * say nothing about units of microseconds: those are left out, and the units take the entry's edges. */
static void place_times(const uint8_t *out, size_t out_bytes, size_t units, uint64_t entered, uint64_t exited,
                        ad_entry_times *times)
{
    const size_t bytes = sizeof(rtinfer_ta_run_times) + units * sizeof(rtinfer_ta_unit_time);
    rtinfer_ta_run_times head;
    if (out_bytes < bytes) {
        return;
    }
    memcpy(&head, out + out_bytes - bytes, sizeof head);
    if (head.unit_count != units || head.clock == RTINFER_TA_CLOCK_GP_MILLIS) {
        return;
    }
    const uint64_t span = exited - entered;
    const uint64_t inside = head.inside_ns < span ? head.inside_ns : span;
    const uint64_t origin = entered + (span - inside) / 2u;
    for (size_t i = 0; i < units; i++) {
        rtinfer_ta_unit_time t;
        memcpy(&t, out + out_bytes - bytes + sizeof head + i * sizeof t, sizeof t);
        times->start[i] = origin + (t.start_ns < inside ? t.start_ns : inside);
        times->end[i] = origin + (t.end_ns < inside ? t.end_ns : inside);
    }
    times->count = (uint16_t)units;
}

static int op_enter(void *context, const ad_run *run, const ad_group *group, ad_entry_times *times)
{
    (void)context;
    const ad_plan *plan = run->plan;
    size_t units = 0;
    for (uint16_t m = 0; m < group->count; m++) {
        units += group->members[m].count;
    }
    if (units > AD_MAX_ENTRY_UNITS) {
        engine_error_set(&s_d.failure, RTP_ERR_TOO_LARGE, "an entry holds more units than the TA takes", units,
                         AD_MAX_ENTRY_UNITS, 1);
        return -1;
    }
    const rtinfer_ta_run_request head = {.unit_count = (uint32_t)units, .flags = RTINFER_TA_RUN_TIMES};
    size_t n = 0;
    memcpy(s_request, &head, sizeof head);
    n += sizeof head;
    for (uint16_t m = 0; m < group->count; m++) {
        const ad_member *member = &group->members[m];
        for (uint16_t u = member->from; u < member->from + member->count; u++) {
            const rtp_unit_t *p = &plan->units[u];
            const rtinfer_ta_unit unit = {.job = run->jobs[member->job].ta_job, .first_layer = p->layer,
                                          .end_layer = (uint16_t)(p->layer + 1u), .slice = p->slice,
                                          .slices = p->slices, .model = plan->tasks[run->jobs[member->job].task].model};
            memcpy(s_request + n, &unit, sizeof unit);
            n += sizeof unit;
        }
    }
    for (uint16_t m = 0; m < group->count; m++) {
        const ad_task *task = &plan->tasks[run->jobs[group->members[m].job].task];
        if (group->members[m].from == task->units_from) { /* the job starts in this entry: its input follows */
            const size_t input_bytes = (size_t)s_d.models[task->model].input_count * sizeof(float);
            memcpy(s_request + n, s_input, input_bytes);
            n += input_bytes;
        }
    }
    size_t out_bytes = sizeof s_out;
    const uint64_t entered = port_ticks();
    if (agent_tee_run(s_request, n, s_out, &out_bytes, &s_d.failure) != 0) {
        return -1;
    }
    place_times(s_out, out_bytes, units, entered, port_ticks(), times);
    return 0;
}

static void op_trace(void *context, uint8_t kind, uint8_t task, uint32_t job, uint64_t ticks, uint64_t arg)
{
    (void)context;
    const unsigned tail = atomic_load_explicit(&s_tail, memory_order_relaxed);
    if (tail - atomic_load_explicit(&s_head, memory_order_acquire) >= EVENT_RING) {
        atomic_fetch_add(&s_lost, 1u);
        return;
    }
    s_events[tail % EVENT_RING] = (event_t){.ticks = ticks, .arg = arg, .job = job, .kind = kind, .task = task};
    atomic_store_explicit(&s_tail, tail + 1u, memory_order_release);
}

static int op_stop_requested(void *context)
{
    (void)context;
    return atomic_load(&s_d.stop);
}

static void *dispatcher(void *unused)
{
    (void)unused;
    while (ad_step(&s_d.run) > 0) {
    }
    atomic_store(&s_d.done, 1);
    return NULL;
}

/* SCHED_FIFO where allowed (a Pi's agent runs as root or with CAP_SYS_NICE); else normal priority, said once. */
static int create_thread(void)
{
    static int s_said;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    struct sched_param param = {.sched_priority = sched_get_priority_min(SCHED_FIFO) + 10};
    pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
    pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
    pthread_attr_setschedparam(&attr, &param);
    int r = pthread_create(&s_d.thread, &attr, dispatcher, NULL);
    pthread_attr_destroy(&attr);
    if (r == EPERM || r == EINVAL || r == ENOTSUP) {
        if (!s_said) {
            fprintf(stderr, "rtinfer-agent: SCHED_FIFO is not allowed here (%s): the dispatcher runs at normal priority\n",
                    strerror(r));
            s_said = 1;
        }
        r = pthread_create(&s_d.thread, NULL, dispatcher, NULL);
    }
    return r;
}

int agent_dispatch_thread_start(const ad_plan *plan, const agent_dispatch_model *models, uint64_t start, uint64_t end)
{
    if (s_d.active) {
        (void)agent_dispatch_thread_join(NULL);
    }
    static const ad_ops ops = {NULL, op_now, op_sleep_until, op_enter, op_busy, op_trace, op_stop_requested};
    /* TA job ids apart from INFER's (which counts up from 1), and past the previous run's. */
    const uint32_t base = s_d.run.next_ta_job > 0x80000000u ? s_d.run.next_ta_job : 0x80000000u;
    ad_run_start(&s_d.run, plan, &ops, start, end, base);
    memcpy(s_d.models, models, sizeof s_d.models);
    memset(&s_d.failure, 0, sizeof s_d.failure);
    for (size_t i = 0; i < sizeof s_input / sizeof s_input[0]; i++) {
        s_input[i] = (float)(i % 17u) / 17.0f;
    }
    atomic_store(&s_head, 0u);
    atomic_store(&s_tail, 0u);
    atomic_store(&s_lost, 0u);
    atomic_store(&s_d.stop, 0);
    atomic_store(&s_d.done, 0);
    if (create_thread() != 0) {
        return -1;
    }
    s_d.active = 1;
    return 0;
}

int agent_dispatch_thread_done(void)
{
    return s_d.active && atomic_load(&s_d.done);
}

int agent_dispatch_thread_active(void)
{
    return s_d.active;
}

const ad_run *agent_dispatch_thread_join(engine_error_t *failure)
{
    if (s_d.active) {
        atomic_store(&s_d.stop, 1);
        pthread_join(s_d.thread, NULL);
        s_d.active = 0;
    }
    if (failure != NULL) {
        *failure = s_d.failure;
    }
    return &s_d.run;
}

uint32_t agent_dispatch_drain(uint32_t max)
{
    uint32_t moved = 0;
    unsigned head = atomic_load_explicit(&s_head, memory_order_relaxed);
    const unsigned tail = atomic_load_explicit(&s_tail, memory_order_acquire);
    while (head != tail && moved < max) {
        const event_t *e = &s_events[head % EVENT_RING];
        (void)trace_record(e->kind, e->task, e->job, e->ticks, e->arg);
        head++;
        moved++;
    }
    atomic_store_explicit(&s_head, head, memory_order_release);
    return moved;
}

uint32_t agent_dispatch_pending(void)
{
    return atomic_load(&s_tail) - atomic_load(&s_head);
}

uint32_t agent_dispatch_lost(void)
{
    return atomic_load(&s_lost);
}
