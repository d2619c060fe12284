/* TASKSET, RUN, STOP and the periodic job scheduler: see taskset.h. */
#include "taskset.h"

#include <string.h>

#include "app.h"
#include "engine.h"
#include "inference.h"
#include "model_store.h"
#include "port.h"
#include "reply.h"
#include "run_config.h"
#include "trace_ring.h"

/* Released jobs of one task that may wait for the processor; more are counted as missed (skipped). */
#define TASK_QUEUE 8u
/* The first release is this far after RUN, so that the reply goes out before any job runs. */
#define RUN_LEAD_US 2000u
#define PPM 1000000u

typedef struct {
    rtp_task_t spec;
    uint64_t period, deadline, offset, budget; /* ticks */
    uint64_t next_release;
    uint32_t next_job;
    uint64_t queued_release[TASK_QUEUE];
    uint32_t queued_job[TASK_QUEUE];
    uint8_t queue_head, queue_count;
} task_state_t;

static task_state_t s_tasks[RTP_MAX_TASKS];
static uint8_t s_task_count;
static uint8_t s_slot;
static run_config_t s_modes[2]; /* dense, TREC (defaults) */
static inference_result_t s_job_result;

static bool s_running;
/* A job is executing: requests served between its layers must not touch the engine (its work buffer and model
 * are in use), even after a STOP in the same breath has ended the run. */
static bool s_in_job;
static uint8_t s_trace_bits;
static uint64_t s_end; /* 0: until STOP */
static rtp_stop_reply_t s_summary;

void taskset_init(void)
{
    s_task_count = 0;
    s_running = false;
    s_in_job = false;
    memset(&s_summary, 0, sizeof s_summary);
    trace_ring_reset();
}

bool taskset_running(void)
{
    return s_running || s_in_job;
}

static uint64_t us_to_ticks(uint64_t us)
{
    return us * port_clock_hz() / 1000000u;
}

static void reply_refusal(uint32_t id, uint8_t type, const engine_error_t *err)
{
    reply_facts_t facts = {.type = type, .has_need = err->has_facts != 0, .need = err->need,
                           .has_have = err->has_facts != 0, .have = err->have};
    reply_error_facts(id, err->code, err->message, &facts);
}

/* Loads the task set's model and checks what every task needs of it; measures tasks without a budget. */
static int check_tasks(const rtp_taskset_req_t *r, engine_error_t *err)
{
    int active = model_store_active();
    uint8_t slot = r->tasks[0].has_slot ? r->tasks[0].slot : (uint8_t)(active < 0 ? 0 : active);
    for (uint8_t i = 0; i < r->task_count; i++) {
        const rtp_task_t *t = &r->tasks[i];
        uint8_t task_slot = t->has_slot ? t->slot : (uint8_t)(active < 0 ? 0 : active);
        if (task_slot != slot) {
            engine_error_set(err, RTP_ERR_INVALID, "every task must use one model slot (one model is kept in RAM)",
                             task_slot, slot, 1);
            return -1;
        }
        for (uint8_t j = 0; j < i; j++) {
            if (r->tasks[j].task == t->task) {
                engine_error_set(err, RTP_ERR_INVALID, "two tasks have the same id", t->task, t->task, 1);
                return -1;
            }
        }
    }
    const rtnn_model *model = engine_load(slot, err);
    if (model == NULL) {
        return -1;
    }
    for (uint8_t mode = 0; mode < 2; mode++) {
        if (run_config_build(&s_modes[mode], model, mode, NULL, 0, err) != 0) {
            return -1;
        }
    }
    for (uint8_t i = 0; i < r->task_count; i++) {
        model = engine_fit(&s_modes[r->tasks[i].mode].config, err);
        if (model == NULL) {
            return -1; /* this task's mode does not fit the inference memory */
        }
    }
    for (uint8_t i = 0; i < r->task_count; i++) {
        if (inference_input(model, &s_modes[r->tasks[i].mode], err) == NULL) {
            return -1;
        }
    }
    uint64_t utilisation_ppm = 0;
    for (uint8_t i = 0; i < r->task_count; i++) {
        const rtp_task_t *t = &r->tasks[i];
        uint16_t input = t->has_input_index ? t->input_index : 0u;
        if (input >= model->test_inputs) {
            engine_error_set(err, RTP_ERR_OUT_OF_RANGE, "a task names a test input the model does not store", input,
                             model->test_inputs, 1);
            return -1;
        }
        uint64_t exec_us = t->has_budget_us ? t->budget_us : 0u;
        if (!t->has_budget_us) {
            /* No budget given: one measured run is the execution-time estimate. */
            float *in = inference_input(model, &s_modes[t->mode], err);
            if (rtnn_test_input(model, input, in) != RTNN_OK ||
                inference_run(model, &s_modes[t->mode], NULL, &s_job_result, err) != 0) {
                return -1;
            }
            exec_us = s_job_result.ticks * 1000000u / port_clock_hz() + 1u;
        }
        utilisation_ppm += exec_us * PPM / t->period_us;
    }
    if (utilisation_ppm > PPM) {
        engine_error_set(err, RTP_ERR_INVALID,
                         "utilisation over 1: need = sum of execution/period in ppm, have = 1000000",
                         utilisation_ppm, PPM, 1);
        return -1;
    }
    s_slot = slot;
    return 0;
}

void taskset_handle(const rtp_msg_t *req)
{
    const rtp_taskset_req_t *r = &req->body.taskset_req;
    engine_error_t err;
    if (taskset_running()) {
        reply_facts_t facts = {.type = RTP_MSG_TASKSET};
        reply_error_facts(req->id, RTP_ERR_BUSY, "a task set is running; STOP it first", &facts);
        return;
    }
    s_task_count = 0; /* a refused set leaves none, never half of one */
    if (check_tasks(r, &err) != 0) {
        reply_refusal(req->id, RTP_MSG_TASKSET, &err);
        return;
    }
    for (uint8_t i = 0; i < r->task_count; i++) {
        task_state_t *t = &s_tasks[i];
        t->spec = r->tasks[i];
        t->period = us_to_ticks(t->spec.period_us);
        t->deadline = us_to_ticks(t->spec.deadline_us);
        t->offset = us_to_ticks(t->spec.has_offset_us ? t->spec.offset_us : 0u);
        t->budget = t->spec.has_budget_us ? us_to_ticks(t->spec.budget_us) : 0u;
    }
    s_task_count = r->task_count;
    rtp_msg_t *m = reply_begin(RTP_MSG_TASKSET, req->id);
    m->body.taskset_reply.tasks = s_task_count;
    (void)reply_send(m);
}

void run_handle(const rtp_msg_t *req)
{
    reply_facts_t facts = {.type = RTP_MSG_RUN};
    if (taskset_running()) {
        reply_error_facts(req->id, RTP_ERR_BUSY, "a task set is already running", &facts);
        return;
    }
    if (s_task_count == 0) {
        reply_error_facts(req->id, RTP_ERR_BAD_STATE, "no task set: send TASKSET first", &facts);
        return;
    }
    const rtp_run_req_t *r = &req->body.run_req;
    uint64_t start = port_ticks() + us_to_ticks(RUN_LEAD_US);
    for (uint8_t i = 0; i < s_task_count; i++) {
        task_state_t *t = &s_tasks[i];
        t->next_release = start + t->offset;
        t->next_job = 0;
        t->queue_head = 0;
        t->queue_count = 0;
    }
    s_trace_bits = r->has_trace ? r->trace : (uint8_t)RTP_TRACE_JOBS;
    s_end = r->duration_us == 0 ? 0u : start + us_to_ticks(r->duration_us);
    memset(&s_summary, 0, sizeof s_summary);
    trace_ring_reset();
    s_running = true;
    rtp_msg_t *m = reply_begin(RTP_MSG_RUN, req->id);
    m->body.run_reply.start = start;
    (void)reply_send(m);
}

static void finish_run(void)
{
    s_running = false;
    s_summary.ticks = port_ticks();
    s_summary.dropped = trace_dropped_total();
    trace_flush(0);
}

void stop_handle(const rtp_msg_t *req)
{
    if (s_running) {
        finish_run();
    }
    rtp_msg_t *m = reply_begin(RTP_MSG_STOP, req->id);
    m->body.stop_reply = s_summary;
    (void)reply_send(m);
}

static void record_job_event(uint8_t kind, const task_state_t *t, uint32_t job, uint64_t ticks, uint64_t arg)
{
    if (s_trace_bits & RTP_TRACE_JOBS) {
        (void)trace_record(kind, t->spec.task, job, ticks, arg);
    }
}

/* The task with the earliest release due by `now` (and before the end of the run; ties: lower
 * index), or NULL. */
static task_state_t *earliest_due(uint64_t now)
{
    task_state_t *best = NULL;
    for (uint8_t i = 0; i < s_task_count; i++) {
        task_state_t *t = &s_tasks[i];
        bool due = t->next_release <= now && (s_end == 0 || t->next_release < s_end);
        if (due && (best == NULL || t->next_release < best->next_release)) {
            best = t;
        }
    }
    return best;
}

/* Releases every job due by `now`, in release order across tasks. Each job_release carries its
 * nominal release time, which is earlier than `now` when the release fell due while a job ran
 * (SPEC §4.6): it then follows that job's events in the trace. */
static void release_due(uint64_t now)
{
    for (task_state_t *t = earliest_due(now); t != NULL; t = earliest_due(now)) {
        uint32_t job = t->next_job++;
        s_summary.released++;
        record_job_event(RTP_EV_JOB_RELEASE, t, job, t->next_release, 0);
        if (t->queue_count == TASK_QUEUE) {
            /* The oldest waiting job cannot make it any more: skipped, and reported as missed. */
            record_job_event(RTP_EV_DEADLINE_MISS, t, t->queued_job[t->queue_head], now,
                             now - t->queued_release[t->queue_head]);
            s_summary.missed++;
            t->queue_head = (uint8_t)((t->queue_head + 1u) % TASK_QUEUE);
            t->queue_count--;
        }
        uint8_t tail = (uint8_t)((t->queue_head + t->queue_count) % TASK_QUEUE);
        t->queued_release[tail] = t->next_release;
        t->queued_job[tail] = job;
        t->queue_count++;
        t->next_release += t->period;
    }
}

/* The task whose oldest waiting job has the earliest absolute deadline (ties: lower index), or -1. */
static int earliest_deadline(void)
{
    int best = -1;
    uint64_t best_deadline = 0;
    for (uint8_t i = 0; i < s_task_count; i++) {
        const task_state_t *t = &s_tasks[i];
        if (t->queue_count == 0) {
            continue;
        }
        uint64_t deadline = t->queued_release[t->queue_head] + t->deadline;
        if (best < 0 || deadline < best_deadline) {
            best = i;
            best_deadline = deadline;
        }
    }
    return best;
}

typedef struct {
    const task_state_t *task;
    uint32_t job;
} job_context_t;

static void on_layer(void *context, uint8_t kind, uint32_t layer, uint64_t ticks)
{
    const job_context_t *job = context;
    if (s_trace_bits & RTP_TRACE_LAYERS) {
        (void)trace_record(kind, job->task->spec.task, job->job, ticks, layer);
    }
    if (kind == RTP_EV_LAYER_END) {
        (void)app_poll(); /* serve PING and STOP between layers; other requests answer busy */
    }
}

static void on_trec(void *context, uint32_t layer, const rtnn_trec_stats *stats, uint64_t ticks)
{
    const job_context_t *job = context;
    if (s_trace_bits & RTP_TRACE_TREC) {
        uint64_t args[3] = {layer, stats->clusters, stats->vectors};
        (void)trace_record_array(RTP_EV_TREC_STATS, job->task->spec.task, job->job, ticks, args, 3);
    }
}

static void run_job(task_state_t *t)
{
    uint64_t release = t->queued_release[t->queue_head];
    job_context_t context = {.task = t, .job = t->queued_job[t->queue_head]};
    t->queue_head = (uint8_t)((t->queue_head + 1u) % TASK_QUEUE);
    t->queue_count--;
    engine_error_t err;
    const rtnn_model *model = engine_load(s_slot, &err);
    const run_config_t *config = &s_modes[t->spec.mode];
    float *input = model != NULL ? inference_input(model, config, &err) : NULL;
    uint16_t input_index = t->spec.has_input_index ? t->spec.input_index : 0u;
    uint64_t start = port_ticks();
    record_job_event(RTP_EV_JOB_START, t, context.job, start, 0);
    inference_hooks_t hooks = {.context = &context, .layer = on_layer, .trec = on_trec};
    s_in_job = true;
    int failed = input == NULL || rtnn_test_input(model, input_index, input) != RTNN_OK ||
                 inference_run(model, config, &hooks, &s_job_result, &err) != 0;
    s_in_job = false;
    if (failed) {
        finish_run(); /* the model changed under the run (its slot was rewritten): nothing more can run */
        return;
    }
    uint64_t end = port_ticks();
    record_job_event(RTP_EV_JOB_END, t, context.job, end, 0);
    s_summary.completed++;
    if (t->budget != 0 && end - start > t->budget) {
        record_job_event(RTP_EV_OVERRUN, t, context.job, end, end - start - t->budget);
    }
    if (end > release + t->deadline) {
        record_job_event(RTP_EV_DEADLINE_MISS, t, context.job, end, end - release - t->deadline);
        s_summary.missed++;
    }
}

void taskset_poll(void)
{
    if (!s_running) {
        return;
    }
    uint64_t now = port_ticks();
    release_due(now);
    int next = earliest_deadline();
    if (next >= 0) {
        run_job(&s_tasks[next]);
    } else if (s_end != 0 && now >= s_end) {
        finish_run();
        return;
    }
    if (s_running && earliest_deadline() < 0) {
        trace_flush(0); /* idle until the next release: the time to send */
    }
}

uint32_t taskset_idle_timeout_us(void)
{
    if (!s_running) {
        return PORT_IDLE_FOREVER;
    }
    if (earliest_deadline() >= 0) {
        return 0;
    }
    uint64_t now = port_ticks();
    uint64_t next = s_end != 0 ? s_end : UINT64_MAX;
    for (uint8_t i = 0; i < s_task_count; i++) {
        if (s_tasks[i].next_release < next) {
            next = s_tasks[i].next_release;
        }
    }
    if (next == UINT64_MAX) {
        return PORT_IDLE_FOREVER;
    }
    if (next <= now) {
        return 0;
    }
    uint64_t us = (next - now) * 1000000u / port_clock_hz();
    return us >= PORT_IDLE_FOREVER ? PORT_IDLE_FOREVER - 1u : (uint32_t)us;
}
