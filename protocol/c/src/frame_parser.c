/* Streaming frame receiver (SPEC §2.2-2.4).
 *
 * COBS is undone byte by byte into the caller's buffer, so the buffer holds
 * at most max_frame decoded bytes; bytes past that are counted, not stored.
 * The drop rules follow the spec, and the TypeScript codec, exactly, so the
 * two sides count the same faults the same way:
 *   - while a run arrives: once the encoded run is longer than
 *     max_frame + ceil(max_frame/254) + 1 (no fitting frame encodes that
 *     long), count `oversize` and discard up to the next 0x00;
 *   - at the delimiter, first failing check wins: cobs (a block cut short
 *     by the delimiter), short (< 10 bytes), oversize (decoded > max_frame),
 *     crc, version. */
#include "rtp/crc32c.h"
#include "rtp/frame.h"
#include "rtp/le.h"

static void start_run(rtp_frame_parser_t *p)
{
    p->len = 0;
    p->run_len = 0;
    p->block_left = 0;
    p->in_run = false;
    p->zero_pending = false;
    p->discarding = false;
}

void rtp_frame_parser_init(rtp_frame_parser_t *p, uint8_t *buf, size_t cap)
{
    p->buf = buf;
    p->cap = buf ? cap : 0;
    p->max_frame = p->cap < RTP_MAX_FRAME_DEFAULT ? p->cap : RTP_MAX_FRAME_DEFAULT;
    p->seq_known = false;
    p->seq_expect = 0;
    p->counters = (rtp_frame_counters_t){0};
    start_run(p);
}

bool rtp_frame_parser_set_max_frame(rtp_frame_parser_t *p, size_t max_frame)
{
    if (max_frame < RTP_FRAME_MIN_BYTES || max_frame > p->cap || max_frame > RTP_MAX_FRAME_LIMIT)
        return false;
    p->max_frame = max_frame;
    return true;
}

void rtp_frame_parser_reset_seq(rtp_frame_parser_t *p) { p->seq_known = false; }

void rtp_frame_parser_flush(rtp_frame_parser_t *p) { start_run(p); }

/* Appends one decoded byte if it fits; a longer frame is only measured
 * here and dropped as oversize at its delimiter. */
static void append(rtp_frame_parser_t *p, uint8_t b)
{
    if (p->len < p->max_frame)
        p->buf[p->len] = b;
    p->len++;
}

/* The delimiter ended a non-empty run: verify it and fill *f. */
static bool finish(rtp_frame_parser_t *p, rtp_frame_t *f)
{
    rtp_frame_counters_t *c = &p->counters;
    if (p->block_left != 0) {
        c->cobs++;
        return false;
    }
    if (p->len < RTP_FRAME_MIN_BYTES) {
        c->too_short++;
        return false;
    }
    if (p->len > p->max_frame) {
        c->oversize++;
        return false;
    }
    size_t body = p->len - RTP_FRAME_CRC_BYTES;
    if (rtp_crc32c(p->buf, body) != rtp_get_le32(p->buf + body)) {
        c->crc++;
        return false;
    }
    if (p->buf[0] != RTP_FRAME_VERSION) {
        c->version++;
        return false;
    }

    f->hdr.flags = p->buf[1];
    f->hdr.channel = p->buf[2];
    f->hdr.seq = rtp_get_le16(p->buf + 3);
    f->msg = p->buf + RTP_FRAME_HDR_BYTES;
    f->msg_len = body - RTP_FRAME_HDR_BYTES;

    /* Sequence (SPEC §2.1): the first frame and BOOT frames only set the
     * expectation; otherwise a jump of d counts d lost frames. */
    if (p->seq_known && !(f->hdr.flags & RTP_FLAG_BOOT))
        c->lost += (uint16_t)(f->hdr.seq - p->seq_expect);
    p->seq_known = true;
    p->seq_expect = (uint16_t)(f->hdr.seq + 1u);
    c->frames_ok++;
    return true;
}

bool rtp_frame_parser_push(rtp_frame_parser_t *p, uint8_t byte, rtp_frame_t *frame)
{
    if (byte == 0x00) {
        bool ok = false;
        /* Two delimiters in a row (empty frame) are ignored uncounted; an
         * oversize run was counted when it was detected. */
        if (p->in_run && !p->discarding)
            ok = finish(p, frame);
        start_run(p);
        return ok;
    }
    if (p->discarding)
        return false;
    /* SPEC §2.3 bound on the encoded run; max_frame <= 65535 so no overflow. */
    if (++p->run_len > p->max_frame + (p->max_frame + 253u) / 254u + 1u) {
        p->counters.oversize++;
        p->discarding = true;
        return false;
    }
    if (p->block_left == 0) {
        /* A code byte. The previous block's implied zero is real only now
         * that another block follows it. */
        if (p->zero_pending)
            append(p, 0);
        p->in_run = true;
        p->block_left = (uint8_t)(byte - 1u);
        p->zero_pending = byte != 0xFF;
        return false;
    }
    p->block_left--;
    append(p, byte);
    return false;
}

bool rtp_frame_parser_feed(rtp_frame_parser_t *p, const uint8_t **data, size_t *len,
                           rtp_frame_t *frame)
{
    const uint8_t *d = *data;
    size_t n = *len;
    bool got = false;
    while (n > 0 && !got) {
        got = rtp_frame_parser_push(p, *d, frame);
        d++;
        n--;
    }
    *data = d;
    *len = n;
    return got;
}
