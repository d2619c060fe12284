/* Message dispatch: see dispatch.h. */
#include "dispatch.h"

#include "handlers.h"
#include "infer_pieces.h"
#include "link.h"
#include "reply.h"
#include "rtp/messages.h"
#include "taskset.h"

static rtp_msg_t s_rx; /* static: rtp_msg_t is several KiB */
static uint32_t s_malformed;
static uint32_t s_unsupported;

void dispatch_init(void)
{
    s_malformed = 0;
    s_unsupported = 0;
}

uint32_t dispatch_malformed(void)
{
    return s_malformed;
}

uint32_t dispatch_unsupported(void)
{
    return s_unsupported;
}

/* SPEC §3.3: id-0 messages are never answered, except that a malformed one
 * may still draw an ERROR with id 0. */
static void answer_unsupported(uint32_t id, uint8_t type, const char *why)
{
    s_unsupported++;
    if (id != 0) {
        reply_error(id, RTP_ERR_UNSUPPORTED, why, type);
    }
}

void dispatch_frame(const rtp_frame_t *frame, uint64_t t_done)
{
    rtp_decode_error_t err;
    rtp_decode_status_t st = rtp_msg_decode(RTP_DIR_H2D, frame->msg, frame->msg_len, &s_rx, &err);
    if (err.has_type && err.type == RTP_MSG_HELLO) {
        link_frame_starts_session(); /* the host (re)opened the link */
    }
    if (st == RTP_DECODE_UNSUPPORTED) {
        answer_unsupported(err.has_id ? err.id : 0u, err.type, "unknown message type");
        return;
    }
    if (st != RTP_DECODE_OK) {
        if (err.has_type && err.type == RTP_MSG_HELLO &&
            hello_version_mismatch(frame->msg, frame->msg_len, err.has_id ? err.id : 0u)) {
            return;
        }
        s_malformed++;
        rtp_msg_t *e = reply_msg();
        rtp_msg_make_decode_error(e, &err);
        (void)reply_send(e);
        return;
    }
    if (infer_pieces_repeats_open(&s_rx)) {
        return; /* the open INFER delivered twice: it is answered once, with its RESULT */
    }
    if (!infer_pieces_survive(s_rx.type)) {
        infer_pieces_abandon(); /* an open INFER, a withheld result: only until the next other message (SPEC §4.4.1) */
    }
    if (s_rx.type == RTP_MSG_MODEL_CHUNK) {
        model_chunk_handle(&s_rx); /* id 0 by design: acknowledged by MODEL_ACK */
        return;
    }
    if (s_rx.id == 0) {
        /* Well-formed, but nobody waits for an answer (SPEC §3.1, §3.3). */
        if (s_rx.type != RTP_MSG_HELLO && s_rx.type != RTP_MSG_PING) {
            s_unsupported++;
        }
        return;
    }
    switch (s_rx.type) {
    case RTP_MSG_HELLO:
        hello_handle(&s_rx);
        break;
    case RTP_MSG_PING:
        ping_handle(&s_rx, t_done);
        break;
    case RTP_MSG_MODEL_BEGIN:
        model_begin_handle(&s_rx);
        break;
    case RTP_MSG_MODEL_COMMIT:
        model_commit_handle(&s_rx);
        break;
    case RTP_MSG_MODEL_STATUS:
        model_status_handle(&s_rx);
        break;
    case RTP_MSG_INFER:
        infer_handle(&s_rx);
        break;
    case RTP_MSG_INFER_PART:
        infer_part_handle(&s_rx);
        break;
    case RTP_MSG_RESULT_PART:
        result_part_handle(&s_rx);
        break;
    case RTP_MSG_TASKSET:
        taskset_handle(&s_rx);
        break;
    case RTP_MSG_RUN:
        run_handle(&s_rx);
        break;
    case RTP_MSG_STOP:
        stop_handle(&s_rx);
        break;
    default:
        /* A known type with no H->D body here (a D->H-only type sent to us). */
        answer_unsupported(s_rx.id, s_rx.type, "not a host-to-device message");
        break;
    }
}
