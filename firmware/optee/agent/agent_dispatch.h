/*
 * The agent's EDF dispatcher for DeepTrust^RT task sets (SPEC §4.5, TEE devices), as host/src/sched/README.md
 * ("The dispatcher being analysed") describes it and host/src/sched/simulator.ts simulates it:
 *
 *   At each dispatch point (the core fell idle, an enclave entry ended, or, while normal-world work runs, a
 *   release) the ready job with the earliest absolute deadline is the head (ties: earlier release, then task
 *   order). A normal-world head runs preemptively until it is done or the next release. An enclave head gets
 *   one non-preemptive enclave entry, formed by the task set's packing rule:
 *     LW               the head's next unit alone;
 *     FUSION greedy    ready enclave jobs in EDF order, each adding the longest prefix of its remaining units
 *                      that fits the capacity still free; the visit moves on at the first unit that does not fit;
 *     FUSION budget    ("ours") the head's next units while their memory fits the capacity and their WCET fits
 *                      the budget Q less one world switch; at least one unit.
 *   A job's progress becomes visible at the world exit: it ends when the entry holding its last unit ends.
 *
 * This file is the dispatcher alone, with no thread, clock or TEE of its own: everything it does to the world
 * goes through ad_ops, so the tests drive it on a fake clock and a fake TEE, and agent_dispatch_thread.c on
 * CLOCK_MONOTONIC and the TA. Times are device ticks of 1 ns (the agent's clock_hz is 1 GHz).
 */
#ifndef RTINFER_AGENT_DISPATCH_H
#define RTINFER_AGENT_DISPATCH_H

#include <stdint.h>

#include "rtp/messages.h"

#define AD_MAX_TASKS RTP_MAX_TASKS
#define AD_MAX_UNITS RTP_MAX_UNITS
/* Released jobs of one task that may wait; one more drops the oldest that has not started (a miss). */
#define AD_QUEUE 8u
#define AD_MAX_JOBS (AD_MAX_TASKS * AD_QUEUE)
/* TA units in one entry: rtinfer_ta.h's RUN takes up to 256. */
#define AD_MAX_ENTRY_UNITS 256u

typedef enum { AD_RULE_SINGLE = 0, AD_RULE_GREEDY = 1, AD_RULE_BUDGET = 2 } ad_rule;

typedef struct {
    uint8_t id;
    uint8_t enclave;   /* 1: runs the plan's units in the enclave; 0: normal-world busy work */
    uint64_t period;   /* ticks */
    uint64_t deadline; /* ticks, relative */
    uint64_t offset;   /* ticks */
    uint64_t budget;   /* ticks, 0 = none: a job running longer (start to end) is traced as an overrun */
    uint64_t work;     /* normal-world tasks: ticks of work per job */
    /* Enclave tasks: the task's model's units, plan.units[units_from, units_from + units_count) (count 0: every
     * unit of the plan, a set of one model), and the TA place of that model (rtinfer_ta_unit.model). */
    uint16_t units_from;
    uint16_t units_count;
    uint8_t model;
} ad_task;

typedef struct {
    ad_task tasks[AD_MAX_TASKS];
    uint8_t task_count;
    rtp_unit_t units[AD_MAX_UNITS]; /* one list per model, one after another; each task runs its model's */
    uint16_t unit_count;
    ad_rule rule;
    uint64_t capacity;       /* bytes an entry's units may hold together (greedy, budget) */
    uint64_t run_budget_us;  /* budget: Q − S, the WCET an entry's units may sum to */
    uint32_t ta_slots;       /* jobs the TA holds at once: a job that has not started needs a free one */
    uint8_t trace_bits;      /* RTP_TRACE_JOBS (jobs, world switches, misses), RTP_TRACE_LAYERS (layers, slices) */
} ad_plan;

typedef struct {
    uint8_t in_use;
    uint8_t task;       /* index into plan.tasks */
    uint8_t started;
    uint8_t holds_slot; /* an enclave job that started holds a TA job slot until it ends */
    uint32_t number;    /* the task's job counter (TRACE job) */
    uint32_t ta_job;    /* the job id the TA knows it by */
    uint16_t next;      /* next unit: an index into plan.units, inside its task's list */
    uint64_t release;
    uint64_t deadline;  /* absolute */
    uint64_t started_at;
    uint64_t remaining; /* normal-world work left */
} ad_job;

/* One member of an entry: units [from, from + count) of job `job` (an index into ad_run.jobs). */
typedef struct {
    uint16_t job;
    uint16_t from;
    uint16_t count;
} ad_member;

typedef struct {
    ad_member members[AD_MAX_JOBS];
    uint16_t count;
} ad_group;

typedef struct ad_run ad_run;

/* When an entry's units ran, as the TA timed them inside the enclave, placed on the agent's clock (ticks): unit i
 * of the entry (members in order, their units in order) from start[i] to end[i], inside the entry's world enter
 * and exit. count 0: the TEE gave no times, and the units' events take the entry's enter and exit. */
typedef struct {
    uint16_t count;
    uint64_t start[AD_MAX_ENTRY_UNITS];
    uint64_t end[AD_MAX_ENTRY_UNITS];
} ad_entry_times;

typedef struct {
    void *context;
    uint64_t (*now)(void *context);
    /* Wait until `t` (or less, when a stop is asked for). */
    void (*sleep_until)(void *context, uint64_t t);
    /* Runs one entry (members in order, their units in order) in the enclave, with its units' times inside the TA
     * into *times (count 0 when it has none). 0, or -1 (the run then ends). */
    int (*enter)(void *context, const ad_run *run, const ad_group *group, ad_entry_times *times);
    /* Normal-world work: runs until `work` ticks of work are done or the clock reaches `until`; returns the work done. */
    uint64_t (*busy)(void *context, uint64_t work, uint64_t until);
    void (*trace)(void *context, uint8_t kind, uint8_t task, uint32_t job, uint64_t ticks, uint64_t arg);
    int (*stop_requested)(void *context);
} ad_ops;

struct ad_run {
    const ad_plan *plan;
    ad_ops ops;
    uint64_t start;
    uint64_t end; /* releases happen in [start, end); 0: until stopped */
    uint64_t next_release[AD_MAX_TASKS];
    uint32_t next_number[AD_MAX_TASKS];
    ad_job jobs[AD_MAX_JOBS];
    uint32_t slots_in_use;
    uint32_t next_ta_job;
    /* What STOP reports, and the entry count world_enter/world_exit carry. */
    uint32_t released, completed, missed;
    uint32_t entries;
    uint64_t units_run;
    int failed;
};

/* Prepares a run of `plan` whose first releases are at `start` (+ each task's offset), releasing until `end`
 * (0: until stopped). ta_job_base numbers the TA's jobs apart from other users of the TA (INFER). */
void ad_run_start(ad_run *run, const ad_plan *plan, const ad_ops *ops, uint64_t start, uint64_t end,
                  uint32_t ta_job_base);

/* One dispatch point: releases what is due, then runs one entry or one stretch of normal-world work, or sleeps
 * until the next release. Returns 1 while the run goes on, 0 when it is over (stopped, or past its end with every
 * released job done), -1 when an entry failed. */
int ad_step(ad_run *run);

/* The entry the plan's rule forms now from the ready jobs (exposed for the tests); count 0 if none is ready. */
void ad_form_group(const ad_run *run, ad_group *group);

/* Jobs still in flight (released, not ended). */
uint32_t ad_jobs_in_flight(const ad_run *run);

#endif
