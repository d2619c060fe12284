/* What agent_taskset.c (TASKSET, RUN, STOP on a TEE device) takes from the agent's command line. */
#ifndef RTINFER_AGENT_DISPATCH_TASKSET_H
#define RTINFER_AGENT_DISPATCH_TASKSET_H

/* --allow-no-tee: the no-TEE baseline policy may be asked for (it still needs a plaintext model, which this
 * agent never holds: such a task set is then refused with no_model). Off by default. */
void agent_taskset_allow_no_tee(int allow);

/* Ends a run in progress (after its entry in progress) and joins the dispatcher: before the TA session closes. */
void agent_taskset_shutdown(void);

#endif
