/* Sending D->H messages: see reply.h. */
#include "reply.h"

#include <string.h>

#include "link.h"

static rtp_msg_t s_tx;
static rtp_msg_t s_err; /* separate, so an ERROR can replace a failed s_tx */

rtp_msg_t *reply_msg(void)
{
    return &s_tx;
}

rtp_msg_t *reply_begin(uint8_t type, uint32_t id)
{
    memset(&s_tx, 0, sizeof s_tx);
    s_tx.type = type;
    s_tx.dir = RTP_DIR_D2H;
    s_tx.id = id;
    return &s_tx;
}

static bool encode_and_send(uint8_t channel, const rtp_msg_t *m, size_t *frame_len)
{
    size_t cap;
    uint8_t *buf = link_msg_buf(&cap);
    size_t n = rtp_msg_encode(m, buf, cap);
    *frame_len = n == 0 ? 0 : n + RTP_FRAME_OVERHEAD;
    return n != 0 && link_send(channel, buf, n);
}

bool reply_send(const rtp_msg_t *m)
{
    size_t frame_len;
    if (encode_and_send(rtp_msg_channel(m->type, m->id), m, &frame_len)) {
        return true;
    }
    reply_facts_t facts = {.type = m->type, .has_need = true, .has_have = true};
    if (frame_len == 0) {
        /* Does not encode: a firmware bug (or bigger than our own buffer). */
        size_t need = rtp_msg_encode(m, NULL, 0);
        if (need == 0) {
            facts.has_need = facts.has_have = false;
            reply_error_facts(m->id, RTP_ERR_INTERNAL, "reply failed its schema", &facts);
            return false;
        }
        facts.need = need + RTP_FRAME_OVERHEAD;
        facts.have = link_own_max_frame();
        reply_error_facts(m->id, RTP_ERR_TOO_LARGE, "reply exceeds the device's buffer", &facts);
        return false;
    }
    facts.need = frame_len;
    facts.have = link_tx_max_frame();
    reply_error_facts(m->id, RTP_ERR_TOO_LARGE, "reply exceeds the host's max_frame", &facts);
    return false;
}

void reply_error(uint32_t id, uint16_t code, const char *message, int type)
{
    reply_facts_t facts = {.type = type};
    reply_error_facts(id, code, message, &facts);
}

void reply_error_need_have(uint32_t id, uint16_t code, const char *message, int type, uint64_t need, uint64_t have)
{
    reply_facts_t facts = {.type = type, .has_need = true, .need = need, .has_have = true, .have = have};
    reply_error_facts(id, code, message, &facts);
}

void reply_error_facts(uint32_t id, uint16_t code, const char *message, const reply_facts_t *facts)
{
    rtp_msg_make_error(&s_err, id, code, message);
    if (facts->type >= 0) {
        s_err.body.error.has_type = true;
        s_err.body.error.type = (uint8_t)facts->type;
    }
    s_err.body.error.has_need = facts->has_need;
    s_err.body.error.need = facts->need;
    s_err.body.error.has_have = facts->has_have;
    s_err.body.error.have = facts->have;
    size_t frame_len;
    (void)encode_and_send(RTP_CHANNEL_CONTROL, &s_err, &frame_len);
}
