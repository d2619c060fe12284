/*
 * TASKSET, RUN and STOP on a TEE device: not yet. Enclave scheduling (LW/FUSION task sets, SPEC §4.1 "TEE
 * devices") is the next issue's; until then the agent answers them ERROR(unsupported) and has nothing to poll.
 * These are the app's taskset.h hooks, so dispatch and the main loop are the STM32 app's own.
 */
#include "port.h"
#include "reply.h"
#include "taskset.h"

void taskset_init(void)
{
}

void taskset_poll(void)
{
}

bool taskset_running(void)
{
    return false;
}

uint32_t taskset_idle_timeout_us(void)
{
    return PORT_IDLE_FOREVER;
}

static void unsupported(const rtp_msg_t *req)
{
    reply_error(req->id, RTP_ERR_UNSUPPORTED, "task sets do not run in the enclave yet", req->type);
}

void taskset_handle(const rtp_msg_t *req)
{
    unsupported(req);
}

void run_handle(const rtp_msg_t *req)
{
    unsupported(req);
}

void stop_handle(const rtp_msg_t *req)
{
    unsupported(req);
}
