/*
 * The dispatcher's thread (agent_dispatch.h on the real clock and the TA): it releases jobs from CLOCK_MONOTONIC
 * with clock_nanosleep(TIMER_ABSTIME), runs under SCHED_FIFO where the system allows it (where not, it says so
 * once on stderr and runs at normal priority), enters the TA through agent_tee_run(), and runs normal-world work
 * as a busy loop counted in the thread's own CPU time. Its trace events go into a single-producer ring that the
 * main thread drains into the app's trace ring (the link is the main thread's alone).
 */
#ifndef RTINFER_AGENT_DISPATCH_THREAD_H
#define RTINFER_AGENT_DISPATCH_THREAD_H

#include <stddef.h>
#include <stdint.h>

#include "agent_dispatch.h"
#include "engine.h"

/* A model's sizes the entries need (from the TA's STATS), per TA place. */
typedef struct {
    uint32_t input_count;  /* floats per job input */
    uint32_t output_count; /* floats per job output */
} agent_dispatch_model;

/* The largest input and output one entry may carry, checked at TASKSET. */
#define AGENT_DISPATCH_MAX_INPUT_BYTES 65536u
#define AGENT_DISPATCH_MAX_OUTPUT_BYTES 65536u

/* Starts a run of `plan` (kept by the caller until the run is joined), models[p] the sizes of the model in TA place
 * p (RTINFER_TA_MAX_MODELS of them; places no task names may be zero). 0, or -1 (the thread could not start). */
int agent_dispatch_thread_start(const ad_plan *plan, const agent_dispatch_model *models, uint64_t start, uint64_t end);

/* The run ended by itself (or failed): the thread is done and may be joined. */
int agent_dispatch_thread_done(void);

/* Asks the run to stop (it ends after the entry in progress) and joins the thread. Returns the finished run's
 * record (counters, and whether an entry failed with *failure set). Safe to call when no thread runs. */
const ad_run *agent_dispatch_thread_join(engine_error_t *failure);

/* Whether a thread was started and not joined. */
int agent_dispatch_thread_active(void);

/* Moves up to `max` recorded events into the app's trace ring; returns how many moved. */
uint32_t agent_dispatch_drain(uint32_t max);

/* Events recorded and not yet drained; events lost because that ring was full, since the last start. */
uint32_t agent_dispatch_pending(void);
uint32_t agent_dispatch_lost(void);

#endif
