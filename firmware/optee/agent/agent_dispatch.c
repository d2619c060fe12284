/* The EDF dispatcher: see agent_dispatch.h. */
#include "agent_dispatch.h"

#include <string.h>

static const ad_task *task_of(const ad_run *run, const ad_job *job)
{
    return &run->plan->tasks[job->task];
}

/* The task's list is plan.units[task->units_from, end_unit); a plan of one model leaves units_count 0: all of them. */
static uint16_t end_unit(const ad_plan *plan, const ad_task *task)
{
    return task->units_count == 0 ? plan->unit_count : (uint16_t)(task->units_from + task->units_count);
}

static void trace(const ad_run *run, uint8_t bit, uint8_t kind, const ad_job *job, uint64_t ticks, uint64_t arg)
{
    if (run->plan->trace_bits & bit) {
        run->ops.trace(run->ops.context, kind, task_of(run, job)->id, job->number, ticks, arg);
    }
}

void ad_run_start(ad_run *run, const ad_plan *plan, const ad_ops *ops, uint64_t start, uint64_t end,
                  uint32_t ta_job_base)
{
    memset(run, 0, sizeof *run);
    run->plan = plan;
    run->ops = *ops;
    run->start = start;
    run->end = end;
    run->next_ta_job = ta_job_base;
    for (uint8_t i = 0; i < plan->task_count; i++) {
        run->next_release[i] = start + plan->tasks[i].offset;
    }
}

static int releasing(const ad_run *run, uint8_t task)
{
    return run->end == 0 || run->next_release[task] < run->end;
}

/* The task with the earliest release due by `now` (ties: lower index), or -1. */
static int earliest_due(const ad_run *run, uint64_t now)
{
    int best = -1;
    for (uint8_t i = 0; i < run->plan->task_count; i++) {
        if (releasing(run, i) && run->next_release[i] <= now &&
            (best < 0 || run->next_release[i] < run->next_release[best])) {
            best = i;
        }
    }
    return best;
}

/* The next release time of any task, or UINT64_MAX once none is left before the end. */
static uint64_t next_release(const ad_run *run)
{
    uint64_t next = UINT64_MAX;
    for (uint8_t i = 0; i < run->plan->task_count; i++) {
        if (releasing(run, i) && run->next_release[i] < next) {
            next = run->next_release[i];
        }
    }
    return next;
}

static ad_job *free_job(ad_run *run)
{
    for (uint32_t j = 0; j < AD_MAX_JOBS; j++) {
        if (!run->jobs[j].in_use) {
            return &run->jobs[j];
        }
    }
    return NULL;
}

/* The task's oldest waiting job that has not started, and how many of its jobs are in flight. */
static ad_job *oldest_waiting(ad_run *run, uint8_t task, uint32_t *in_flight)
{
    ad_job *oldest = NULL;
    *in_flight = 0;
    for (uint32_t j = 0; j < AD_MAX_JOBS; j++) {
        ad_job *job = &run->jobs[j];
        if (job->in_use && job->task == task) {
            (*in_flight)++;
            if (!job->started && (oldest == NULL || job->release < oldest->release)) {
                oldest = job;
            }
        }
    }
    return oldest;
}

/* Releases every job due by `now`, in release order across tasks. Each job_release carries its nominal release
 * time, which is earlier than `now` when the release fell due during an entry (SPEC §4.6). */
static void release_due(ad_run *run, uint64_t now)
{
    for (int i = earliest_due(run, now); i >= 0; i = earliest_due(run, now)) {
        const uint8_t t = (uint8_t)i;
        const ad_task *task = &run->plan->tasks[t];
        const uint64_t release = run->next_release[t];
        run->next_release[t] += task->period;
        run->released++;
        uint32_t in_flight = 0;
        ad_job *oldest = oldest_waiting(run, t, &in_flight);
        ad_job *job = in_flight < AD_QUEUE ? free_job(run) : NULL;
        ad_job dropped_new = {.task = t, .number = run->next_number[t], .release = release};
        if (job == NULL && oldest != NULL) {
            /* The oldest waiting job cannot make it any more: skipped, and reported as missed. */
            trace(run, RTP_TRACE_JOBS, RTP_EV_DEADLINE_MISS, oldest, now, now - oldest->release);
            run->missed++;
            oldest->in_use = 0;
            job = oldest;
        }
        const uint32_t number = run->next_number[t]++;
        if (job == NULL) {
            /* Every job of the task started (cannot happen with one started job per task): this one is lost. */
            trace(run, RTP_TRACE_JOBS, RTP_EV_JOB_RELEASE, &dropped_new, release, 0);
            trace(run, RTP_TRACE_JOBS, RTP_EV_DEADLINE_MISS, &dropped_new, now, now - release);
            run->missed++;
            continue;
        }
        *job = (ad_job){.in_use = 1, .task = t, .number = number, .release = release,
                        .deadline = release + task->deadline, .remaining = task->work,
                        .next = task->units_from};
        trace(run, RTP_TRACE_JOBS, RTP_EV_JOB_RELEASE, job, release, 0);
    }
}

/* EDF order over the jobs in flight: earliest absolute deadline, then release, then task order (as the simulator). */
static int before(const ad_job *a, const ad_job *b)
{
    if (a->deadline != b->deadline) {
        return a->deadline < b->deadline;
    }
    if (a->release != b->release) {
        return a->release < b->release;
    }
    return a->task < b->task;
}

static uint16_t edf_order(const ad_run *run, uint16_t *order)
{
    uint16_t n = 0;
    for (uint16_t j = 0; j < AD_MAX_JOBS; j++) {
        if (!run->jobs[j].in_use) {
            continue;
        }
        uint16_t at = n++;
        while (at > 0 && before(&run->jobs[j], &run->jobs[order[at - 1]])) {
            order[at] = order[at - 1];
            at--;
        }
        order[at] = j;
    }
    return n;
}

/* Whether another job of the same task has started: the TA holds one started job per task, so a job whose task
 * has one in flight waits (only overload, when two jobs of a task are ready at once, sees this). */
static int task_busy(const ad_run *run, const ad_job *job)
{
    for (uint32_t j = 0; j < AD_MAX_JOBS; j++) {
        const ad_job *other = &run->jobs[j];
        if (other != job && other->in_use && other->started && other->task == job->task) {
            return 1;
        }
    }
    return 0;
}

/* Units in the maximal run from `from` (before `end`, the list's end) whose memory fits `capacity` and whose WCET
 * fits `time_budget`; at least 1 (packing.ts runLength). */
static uint16_t run_length(const ad_plan *plan, uint16_t from, uint16_t end, uint64_t capacity, uint64_t time_budget)
{
    uint64_t memory = 0, time = 0;
    uint16_t count = 0;
    for (uint16_t u = from; u < end; u++) {
        memory += plan->units[u].memory;
        time += plan->units[u].wcet_us;
        if (count > 0 && (memory > capacity || time > time_budget)) {
            break;
        }
        count++;
    }
    return count > 0 ? count : 1;
}

void ad_form_group(const ad_run *run, ad_group *group)
{
    uint16_t order[AD_MAX_JOBS];
    const uint16_t n = edf_order(run, order);
    const ad_plan *plan = run->plan;
    group->count = 0;
    if (n == 0 || !task_of(run, &run->jobs[order[0]])->enclave) {
        return;
    }
    const ad_job *head = &run->jobs[order[0]];
    if (plan->rule == AD_RULE_SINGLE) {
        group->members[group->count++] = (ad_member){order[0], head->next, 1};
        return;
    }
    if (plan->rule == AD_RULE_BUDGET) {
        group->members[group->count++] =
            (ad_member){order[0], head->next,
                        run_length(plan, head->next, end_unit(plan, task_of(run, head)), plan->capacity, plan->run_budget_us)};
        return;
    }
    /* The paper's greedy first-fit: enclave jobs in EDF order, each adding a prefix of its remaining units. */
    uint64_t free = plan->capacity;
    for (uint16_t k = 0; k < n; k++) {
        const ad_job *job = &run->jobs[order[k]];
        if (!task_of(run, job)->enclave || (k > 0 && !job->started && task_busy(run, job))) {
            continue;
        }
        uint16_t count = 0;
        const uint16_t end = end_unit(plan, task_of(run, job));
        while (job->next + count < end && plan->units[job->next + count].memory <= free) {
            free -= plan->units[job->next + count].memory;
            count++;
        }
        if (count > 0) {
            group->members[group->count++] = (ad_member){order[k], job->next, count};
        }
        if (free == 0) {
            break;
        }
    }
    if (group->count == 0) {
        /* A head unit larger than the capacity: TASKSET refuses such a plan, so this is a guard, not a rule. */
        group->members[group->count++] = (ad_member){order[0], head->next, 1};
    }
}

uint32_t ad_jobs_in_flight(const ad_run *run)
{
    uint32_t n = 0;
    for (uint32_t j = 0; j < AD_MAX_JOBS; j++) {
        n += run->jobs[j].in_use;
    }
    return n;
}

static void finish(ad_run *run, ad_job *job, uint64_t end)
{
    const ad_task *task = task_of(run, job);
    trace(run, RTP_TRACE_JOBS, RTP_EV_JOB_END, job, end, 0);
    run->completed++;
    if (task->budget != 0 && end - job->started_at > task->budget) {
        trace(run, RTP_TRACE_JOBS, RTP_EV_OVERRUN, job, end, end - job->started_at - task->budget);
    }
    if (end > job->deadline) {
        trace(run, RTP_TRACE_JOBS, RTP_EV_DEADLINE_MISS, job, end, end - job->deadline);
        run->missed++;
    }
    if (job->holds_slot) {
        run->slots_in_use--;
    }
    job->in_use = 0;
}

static void start(ad_run *run, ad_job *job, uint64_t now)
{
    if (job->started) {
        return;
    }
    job->started = 1;
    job->started_at = now;
    if (task_of(run, job)->enclave) {
        job->holds_slot = 1;
        job->ta_job = run->next_ta_job++;
        run->slots_in_use++;
    }
    trace(run, RTP_TRACE_JOBS, RTP_EV_JOB_START, job, now, 0);
}

/* Layer and slice events of an entry's units, each at its start and end as the TA timed it inside the entry (SPEC
 * §4.6); without the TA's times, at the entry's world enter and exit. Emitted once the entry is over, in time order
 * between its world enter and world exit. */
static void trace_units(const ad_run *run, const ad_group *group, const ad_entry_times *times, uint64_t entered,
                        uint64_t exited)
{
    uint16_t i = 0;
    for (uint16_t m = 0; m < group->count; m++) {
        const ad_member *member = &group->members[m];
        const ad_job *job = &run->jobs[member->job];
        for (uint16_t u = member->from; u < member->from + member->count; u++, i++) {
            const rtp_unit_t *unit = &run->plan->units[u];
            const int first = unit->slice == 0, last = unit->slice + 1u == unit->slices, sliced = unit->slices > 1;
            const int timed = i < times->count;
            const uint64_t start = timed ? times->start[i] : entered, end = timed ? times->end[i] : exited;
            if (first) {
                trace(run, RTP_TRACE_LAYERS, RTP_EV_LAYER_START, job, start, unit->layer);
            }
            if (sliced) {
                trace(run, RTP_TRACE_LAYERS, RTP_EV_SLICE_START, job, start, unit->slice);
                trace(run, RTP_TRACE_LAYERS, RTP_EV_SLICE_END, job, end, unit->slice);
            }
            if (last) {
                trace(run, RTP_TRACE_LAYERS, RTP_EV_LAYER_END, job, end, unit->layer);
            }
        }
    }
}

static int run_entry(ad_run *run, uint16_t head_index, uint64_t now)
{
    static ad_group group; /* static: a group is a few hundred bytes, and one dispatcher runs at a time */
    ad_form_group(run, &group);
    ad_job *head = &run->jobs[head_index];
    const uint32_t entry = run->entries + 1u;
    trace(run, RTP_TRACE_JOBS, RTP_EV_WORLD_ENTER, head, now, entry);
    for (uint16_t m = 0; m < group.count; m++) {
        start(run, &run->jobs[group.members[m].job], now);
    }
    static ad_entry_times times;
    times.count = 0;
    if (run->ops.enter(run->ops.context, run, &group, &times) != 0) {
        run->failed = 1;
        return -1;
    }
    const uint64_t end = run->ops.now(run->ops.context);
    run->entries = entry;
    trace_units(run, &group, &times, now, end);
    trace(run, RTP_TRACE_JOBS, RTP_EV_WORLD_EXIT, head, end, entry);
    for (uint16_t m = 0; m < group.count; m++) {
        ad_job *job = &run->jobs[group.members[m].job];
        job->next = (uint16_t)(job->next + group.members[m].count);
        run->units_run += group.members[m].count;
        if (job->next >= end_unit(run->plan, task_of(run, job))) {
            finish(run, job, end);
        }
    }
    return 1;
}

int ad_step(ad_run *run)
{
    if (run->failed) {
        return -1;
    }
    if (run->ops.stop_requested(run->ops.context)) {
        return 0;
    }
    const uint64_t now = run->ops.now(run->ops.context);
    release_due(run, now);
    uint16_t order[AD_MAX_JOBS];
    if (edf_order(run, order) == 0) {
        const uint64_t next = next_release(run);
        if (next == UINT64_MAX) {
            return 0; /* past the end, every released job done */
        }
        run->ops.sleep_until(run->ops.context, next);
        return 1;
    }
    ad_job *head = &run->jobs[order[0]];
    if (task_of(run, head)->enclave) {
        return run_entry(run, order[0], now);
    }
    /* Normal-world work is preemptive: it runs until it is done or the next release, whichever is first. */
    start(run, head, now);
    const uint64_t done = run->ops.busy(run->ops.context, head->remaining, next_release(run));
    head->remaining -= done < head->remaining ? done : head->remaining;
    if (head->remaining == 0) {
        finish(run, head, run->ops.now(run->ops.context));
    }
    return 1;
}
