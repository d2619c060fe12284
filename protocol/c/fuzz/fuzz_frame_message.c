/* libFuzzer target: the whole receive path.
 *
 * The input is fed (1) straight to rtp_msg_decode as a message, in both
 * directions, and (2) through the streaming frame parser in chunks whose
 * sizes come from a PRNG seeded by the input, with a max_frame also derived
 * from the input; every frame the parser yields is checked (its CRC must
 * verify, re-framing it must give back the same frame) and its message is
 * decoded in both directions; and (3) wrapped into a frame itself, which the
 * parser must yield back byte for byte (mutated CRCs would otherwise keep
 * most inputs from ever reaching a frame).
 * Every successful decode must re-encode, decode again to an equal message,
 * and re-encode to identical bytes; any mismatch aborts. ASan/UBSan catch
 * the rest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtp/rtp.h"

#define CHECK_OR_DIE(cond)                                                          \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "fuzz invariant failed: %s (line %d)\n", #cond, __LINE__); \
            abort();                                                                \
        }                                                                           \
    } while (0)

static rtp_msg_t m1, m2;
static uint8_t enc1[1 << 17], enc2[1 << 17];
static uint8_t rx[RTP_MAX_FRAME_LIMIT];
static uint8_t msg_copy[RTP_MAX_FRAME_LIMIT];
static uint8_t wire[RTP_WIRE_MAX_BYTES(RTP_MAX_FRAME_LIMIT)];

static void round_trip(rtp_dir_t dir, const uint8_t *bytes, size_t n)
{
    rtp_decode_error_t err;
    rtp_decode_status_t st = rtp_msg_decode(dir, bytes, n, &m1, &err);
    CHECK_OR_DIE(st == err.status);
    if (st != RTP_DECODE_OK) {
        CHECK_OR_DIE(err.reason != RTP_REASON_NONE);
        if (st == RTP_DECODE_UNSUPPORTED)
            CHECK_OR_DIE(err.has_type && err.has_id && !rtp_msg_known(err.type, dir));
        /* the ERROR a device would send for it must itself be encodable */
        rtp_msg_make_decode_error(&m2, &err);
        CHECK_OR_DIE(rtp_msg_encode(&m2, enc2, sizeof enc2) > 0);
        return;
    }
    CHECK_OR_DIE(rtp_msg_known(m1.type, dir) && m1.dir == dir);
    size_t len = rtp_msg_encode(&m1, enc1, sizeof enc1);
    CHECK_OR_DIE(len > 0);
    CHECK_OR_DIE(len <= n); /* canonical form never grows: shortest heads, unknown keys dropped */
    CHECK_OR_DIE(rtp_msg_encoded_len(&m1) == len);
    CHECK_OR_DIE(rtp_msg_decode(dir, enc1, len, &m2, &err) == RTP_DECODE_OK);
    CHECK_OR_DIE(rtp_msg_equal(&m1, &m2));
    size_t len2 = rtp_msg_encode(&m2, enc2, sizeof enc2);
    CHECK_OR_DIE(len2 == len && memcmp(enc1, enc2, len) == 0);
}

static uint32_t rng(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void check_frame(const rtp_frame_t *f, size_t max_frame)
{
    CHECK_OR_DIE(f->msg_len >= 1 && f->msg_len + RTP_FRAME_OVERHEAD <= max_frame);
    /* Re-framing the yielded frame and parsing it again gives it back. */
    memcpy(msg_copy, f->msg, f->msg_len);
    rtp_frame_hdr_t hdr = f->hdr;
    size_t wn = rtp_frame_encode(&hdr, msg_copy, f->msg_len, wire, sizeof wire);
    CHECK_OR_DIE(wn > 0 && wn <= RTP_WIRE_MAX_BYTES(f->msg_len + RTP_FRAME_OVERHEAD));
    static uint8_t rx2[RTP_MAX_FRAME_LIMIT];
    static rtp_frame_parser_t p2;
    rtp_frame_parser_init(&p2, rx2, sizeof rx2);
    CHECK_OR_DIE(rtp_frame_parser_set_max_frame(&p2, max_frame));
    const uint8_t *d = wire;
    size_t left = wn;
    rtp_frame_t g;
    CHECK_OR_DIE(rtp_frame_parser_feed(&p2, &d, &left, &g));
    CHECK_OR_DIE(left == 0 && g.msg_len == f->msg_len && memcmp(g.msg, msg_copy, g.msg_len) == 0);
    CHECK_OR_DIE(g.hdr.flags == hdr.flags && g.hdr.channel == hdr.channel && g.hdr.seq == hdr.seq);

    round_trip(RTP_DIR_H2D, msg_copy, f->msg_len);
    round_trip(RTP_DIR_D2H, msg_copy, f->msg_len);
}

/* The input as a message in a frame of its own, fed byte-wise or at once. */
static void frame_whole_input(const uint8_t *data, size_t size, uint32_t *seed)
{
    if (size == 0 || size > RTP_MSG_MAX_BYTES(RTP_MAX_FRAME_LIMIT))
        return;
    rtp_frame_hdr_t hdr = {(uint8_t)rng(seed), (uint8_t)rng(seed), (uint16_t)rng(seed)};
    size_t wn = rtp_frame_encode(&hdr, data, size, wire, sizeof wire);
    CHECK_OR_DIE(wn > 0 && wn <= RTP_WIRE_MAX_BYTES(size + RTP_FRAME_OVERHEAD));
    CHECK_OR_DIE(memchr(wire, 0, wn - 1) == NULL && wire[wn - 1] == 0);
    static rtp_frame_parser_t p;
    rtp_frame_parser_init(&p, rx, sizeof rx);
    size_t frame_len = size + RTP_FRAME_OVERHEAD;
    size_t max_frame = frame_len < RTP_FRAME_MIN_BYTES ? RTP_FRAME_MIN_BYTES : frame_len;
    bool fits = rng(seed) % 4 != 0;
    if (!fits && max_frame > RTP_FRAME_MIN_BYTES)
        max_frame -= 1 + rng(seed) % (max_frame - RTP_FRAME_MIN_BYTES); /* too small: oversize */
    else
        fits = true;
    CHECK_OR_DIE(rtp_frame_parser_set_max_frame(&p, max_frame));
    const uint8_t *d = wire;
    size_t left = wn;
    rtp_frame_t f;
    bool got = false;
    if (rng(seed) % 2) {
        got = rtp_frame_parser_feed(&p, &d, &left, &f);
    } else {
        for (size_t i = 0; i < wn && !got; i++, left--)
            got = rtp_frame_parser_push(&p, wire[i], &f);
    }
    CHECK_OR_DIE(left == 0);
    if (!fits) {
        CHECK_OR_DIE(!got && p.counters.oversize == 1);
        return;
    }
    CHECK_OR_DIE(got && p.counters.frames_ok == 1);
    CHECK_OR_DIE(f.msg_len == size && memcmp(f.msg, data, size) == 0);
    CHECK_OR_DIE(f.hdr.flags == hdr.flags && f.hdr.channel == hdr.channel && f.hdr.seq == hdr.seq);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    round_trip(RTP_DIR_H2D, data, size);
    round_trip(RTP_DIR_D2H, data, size);

    uint32_t seed = rtp_crc32c(data, size) | 1u;
    frame_whole_input(data, size, &seed);
    static const size_t limits[] = {RTP_FRAME_MIN_BYTES, 64, 256, 300, 4096, RTP_MAX_FRAME_LIMIT};
    size_t max_frame = limits[rng(&seed) % (sizeof limits / sizeof limits[0])];
    if (rng(&seed) % 2)
        max_frame = 4096; /* what the seed vectors use */

    static rtp_frame_parser_t p;
    rtp_frame_parser_init(&p, rx, sizeof rx);
    CHECK_OR_DIE(rtp_frame_parser_set_max_frame(&p, max_frame));
    const uint8_t *d = data;
    size_t left = size;
    uint32_t frames = 0;
    while (left > 0) {
        size_t chunk = 1 + rng(&seed) % (rng(&seed) % 2 ? 4 : 512);
        if (chunk > left)
            chunk = left;
        const uint8_t *c = d;
        size_t cl = chunk;
        rtp_frame_t f;
        while (rtp_frame_parser_feed(&p, &c, &cl, &f)) {
            frames++;
            check_frame(&f, max_frame);
        }
        CHECK_OR_DIE(cl == 0 && c == d + chunk);
        d += chunk;
        left -= chunk;
        /* occasionally renegotiate mid-stream, as after HELLO */
        if (rng(&seed) % 64 == 0) {
            max_frame = limits[rng(&seed) % (sizeof limits / sizeof limits[0])];
            CHECK_OR_DIE(rtp_frame_parser_set_max_frame(&p, max_frame));
        }
    }
    CHECK_OR_DIE(p.counters.frames_ok == frames);
    /* every frame and every drop ends at a delimiter (or, for oversize,
     * earlier), so there cannot be more of them than bytes */
    const rtp_frame_counters_t *k = &p.counters;
    CHECK_OR_DIE((uint64_t)k->frames_ok + k->cobs + k->too_short + k->crc + k->oversize + k->version <= size);
    return 0;
}
