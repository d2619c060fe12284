/* Names for error codes and decode outcomes, and the ERROR builders a
 * device uses to answer bad input (SPEC §3.4, §4.8). */
#include <string.h>

#include "schema.h"

const char *rtp_err_code_name(uint16_t code)
{
    static const char *const names[] = {
        NULL, "unsupported", "malformed", "version", "too_large", "bad_state", "busy", "no_model",
        "hash_mismatch", "out_of_range", "no_space", "storage", "invalid", "not_trusted", "internal",
        "budget", "rollback", "authentication",
    };
    return code < sizeof names / sizeof names[0] ? names[code] : NULL;
}

const char *rtp_decode_status_name(rtp_decode_status_t s)
{
    switch (s) {
    case RTP_DECODE_OK: return "ok";
    case RTP_DECODE_MALFORMED: return "malformed";
    case RTP_DECODE_UNSUPPORTED: return "unsupported";
    }
    return "?";
}

const char *rtp_decode_reason_name(rtp_decode_reason_t r)
{
    switch (r) {
    case RTP_REASON_NONE: return "none";
    case RTP_REASON_CBOR: return "cbor";
    case RTP_REASON_SHAPE: return "shape";
    case RTP_REASON_UNKNOWN_TYPE: return "unknown_type";
    case RTP_REASON_MISSING: return "missing";
    case RTP_REASON_TYPE: return "type";
    case RTP_REASON_RANGE: return "range";
    case RTP_REASON_LENGTH: return "length";
    case RTP_REASON_DUPLICATE: return "duplicate";
    case RTP_REASON_EXCLUSIVE: return "exclusive";
    }
    return "?";
}

void rtp_msg_make_error(rtp_msg_t *out, uint32_t id, uint16_t code, const char *message)
{
    memset(out, 0, sizeof *out);
    out->type = RTP_MSG_ERROR;
    out->id = id;
    out->dir = RTP_DIR_D2H;
    rtp_error_body_t *e = &out->body.error;
    e->code = code;
    size_t n = message ? strlen(message) : 0;
    if (n > RTP_MAX_ERROR_MESSAGE) {
        n = RTP_MAX_ERROR_MESSAGE;
        /* Do not cut a UTF-8 sequence: back up over continuation bytes. */
        while (n > 0 && ((uint8_t)message[n] & 0xC0) == 0x80)
            n--;
    }
    e->message.ptr = message ? message : "";
    e->message.len = n;
}

void rtp_msg_make_decode_error(rtp_msg_t *out, const rtp_decode_error_t *err)
{
    bool unsupported = err->status == RTP_DECODE_UNSUPPORTED;
    const char *text = unsupported ? "unsupported message type" : rtp_decode_reason_name(err->reason);
    rtp_msg_make_error(out, err->has_id ? err->id : 0,
                       unsupported ? RTP_ERR_UNSUPPORTED : RTP_ERR_MALFORMED, text);
    if (err->has_type) {
        out->body.error.has_type = true;
        out->body.error.type = err->type;
    }
}
