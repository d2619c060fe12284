/* PING (SPEC §4.2): t1 echo, t2/t3 device ticks, receive counters. */
#include <string.h>

#include "app.h"
#include "handlers.h"
#include "port.h"
#include "reply.h"

void ping_handle(const rtp_msg_t *req, uint64_t t_done)
{
    rtp_msg_t *m = reply_begin(RTP_MSG_PING, req->id);
    rtp_ping_reply_t *p = &m->body.ping_reply;
    p->t1 = req->body.ping_req.t1;
    p->t2 = t_done;
    p->has_counters = true;
    p->counter_count = (uint8_t)app_counters(p->counters);
    p->t3 = port_ticks(); /* last: the reply is made now */
    (void)reply_send(m);
}
