/* COBS (SPEC §2.2). The encoder is incremental so frame.c can feed header,
 * message and CRC without copying them together first. */
#include "rtp/cobs.h"

void rtp_cobs_enc_begin(rtp_cobs_enc_t *e, uint8_t *dst, size_t cap)
{
    e->dst = dst;
    e->cap = cap;
    e->code_pos = 0; /* reserve position 0 for the first code byte */
    e->pos = 1;
    e->code = 1;
    e->overflow = cap == 0;
}

/* Writes the current block's code byte and opens a new block. */
static void close_block(rtp_cobs_enc_t *e)
{
    if (e->code_pos < e->cap)
        e->dst[e->code_pos] = e->code;
    else
        e->overflow = true;
    e->code_pos = e->pos++;
    e->code = 1;
}

void rtp_cobs_enc_put(rtp_cobs_enc_t *e, const uint8_t *src, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (src[i] == 0) {
            close_block(e);
            continue;
        }
        if (e->pos < e->cap)
            e->dst[e->pos] = src[i];
        else
            e->overflow = true;
        e->pos++;
        /* A full block (254 data bytes) is closed at once, as in Cheshire and
         * Baker's original: input ending exactly at a block boundary thus
         * gets a final 0x01 code byte. The golden vectors use this form
         * (cobs_full_last_block), so it is the one both codecs must emit. */
        if (++e->code == 0xFF)
            close_block(e);
    }
}

size_t rtp_cobs_enc_end(rtp_cobs_enc_t *e)
{
    if (e->code_pos < e->cap)
        e->dst[e->code_pos] = e->code;
    else
        e->overflow = true;
    if (e->overflow || e->pos > e->cap)
        return 0;
    return e->pos;
}

size_t rtp_cobs_encode(const uint8_t *src, size_t len, uint8_t *dst, size_t cap)
{
    rtp_cobs_enc_t e;
    rtp_cobs_enc_begin(&e, dst, cap);
    rtp_cobs_enc_put(&e, src, len);
    return rtp_cobs_enc_end(&e);
}

bool rtp_cobs_decode(const uint8_t *src, size_t len, uint8_t *dst, size_t cap, size_t *out_len)
{
    size_t in = 0, out = 0;
    while (in < len) {
        uint8_t code = src[in++];
        if (code == 0)
            return false;
        size_t n = (size_t)code - 1u;
        if (n > len - in)
            return false; /* code points past the end of the run */
        if (n > cap - out)
            return false;
        for (size_t k = 0; k < n; k++) {
            if (src[in] == 0)
                return false;
            dst[out++] = src[in++];
        }
        /* Implied zero after a short block, except after the last one. */
        if (code != 0xFF && in < len) {
            if (out >= cap)
                return false;
            dst[out++] = 0;
        }
    }
    *out_len = out;
    return true;
}
