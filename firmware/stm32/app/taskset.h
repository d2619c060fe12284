/*
 * Periodic inference (SPEC §4.5): TASKSET checks and stores a task set, RUN releases its jobs from the
 * device clock, STOP ends the run with a summary. Jobs run to completion one at a time in EDF order
 * (earliest absolute deadline first; non-preemptive, since the firmware has one thread), and every
 * release, start, end, layer, TREC statistic, overrun and deadline miss is recorded in the trace ring.
 */
#ifndef RTINFER_APP_TASKSET_H
#define RTINFER_APP_TASKSET_H

#include <stdbool.h>
#include <stdint.h>

#include "rtp/messages.h"

/* Forgets the task set and any run (boot). */
void taskset_init(void);

void taskset_handle(const rtp_msg_t *req);
void run_handle(const rtp_msg_t *req);
void stop_handle(const rtp_msg_t *req);

/* A run is in progress, or a job is executing (requests served between its layers see this). */
bool taskset_running(void);

/* Releases due jobs and runs at most one; sends trace batches when idle. Called from the main loop. */
void taskset_poll(void);

/* How long the main loop may sleep: until the next release, 0 if a job is ready, PORT_IDLE_FOREVER if no
 * run is in progress. */
uint32_t taskset_idle_timeout_us(void);

#endif
