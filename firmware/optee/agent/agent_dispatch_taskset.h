/* What agent_taskset.c (TASKSET, RUN, STOP on a TEE device) offers the rest of the agent: its command line's switch,
 * its shutdown, and an activation's load, which makes room in the TA as a task set's loads do. */
#ifndef RTINFER_AGENT_DISPATCH_TASKSET_H
#define RTINFER_AGENT_DISPATCH_TASKSET_H

#include <stdint.h>

#include "engine.h"

/* --allow-no-tee: the no-TEE baseline policy may be asked for (it still needs a plaintext model, which this
 * agent never holds: such a task set is then refused with no_model). Off by default. */
void agent_taskset_allow_no_tee(int allow);

/* Ends a run in progress (after its entry in progress) and joins the dispatcher: before the TA session closes. */
void agent_taskset_shutdown(void);

/* Loads model slot `slot` (it holds a container) into TA place 0, where an activation puts it. A load the TA refuses
 * for its heap while places 1... hold models (a task set's) is tried once more after they are given back (RELEASE),
 * when they explain the refusal; otherwise the refusal stands, and place 0's model stays loaded and answering
 * either way until a load passes. A set whose place was given back is then refused at RUN (bad_state). 1 loaded,
 * 0 refused (*err). */
int agent_taskset_load_active(uint8_t slot, engine_error_t *err);

#endif
