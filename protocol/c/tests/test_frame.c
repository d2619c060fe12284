/* Frame encoder and streaming parser: the SPEC §8 example, every drop
 * counter, resynchronisation, sequence accounting and chunked feeding. */
#include "check.h"
#include "rtp/cobs.h"
#include "rtp/crc32c.h"
#include "rtp/frame.h"

static const uint8_t hello_msg[] = {0x83, 0x01, 0x01, 0xA3, 0x00, 0x01, 0x01, 0x19,
                                    0x10, 0x00, 0x02, 0x64, 0x6C, 0x61, 0x62, 0x31};

static uint8_t rxbuf[4096];
static rtp_frame_parser_t P;

/* Feeds bytes in chunks of `chunk` (0 = all at once); counts frames. */
static int feed(const uint8_t *d, size_t n, size_t chunk, rtp_frame_t *last)
{
    int frames = 0;
    while (n > 0) {
        size_t take = chunk && chunk < n ? chunk : n;
        const uint8_t *p = d;
        size_t left = take;
        rtp_frame_t f;
        while (rtp_frame_parser_feed(&P, &p, &left, &f)) {
            frames++;
            if (last)
                *last = f;
        }
        CHECK_EQ(left, 0);
        d += take;
        n -= take;
    }
    return frames;
}

/* Builds a raw frame (any version/CRC) and its wire form. */
static size_t raw_wire(uint8_t version, uint8_t flags, uint16_t seq, const uint8_t *msg, size_t n,
                       bool bad_crc, uint8_t *out, size_t cap)
{
    uint8_t fr[2048];
    fr[0] = version;
    fr[1] = flags;
    fr[2] = 0;
    fr[3] = (uint8_t)seq;
    fr[4] = (uint8_t)(seq >> 8);
    if (n)
        memcpy(fr + 5, msg, n);
    uint32_t c = rtp_crc32c(fr, 5 + n) ^ (bad_crc ? 1u : 0u);
    for (int i = 0; i < 4; i++)
        fr[5 + n + (size_t)i] = (uint8_t)(c >> (8 * i));
    size_t w = rtp_cobs_encode(fr, 9 + n, out, cap - 1);
    out[w] = 0;
    return w + 1;
}

static rtp_frame_counters_t zero;

int main(void)
{
    uint8_t wire[RTP_WIRE_MAX_BYTES(2048)];
    rtp_frame_hdr_t h = {0, RTP_CHANNEL_CONTROL, 0};

    /* SPEC §8 example: frame = 01 00 00 00 00 | message | CRC LE. */
    size_t wn = rtp_frame_encode(&h, hello_msg, sizeof hello_msg, wire, sizeof wire);
    CHECK(wn > 0);
    CHECK_EQ(wire[wn - 1], 0x00);
    CHECK(memchr(wire, 0, wn - 1) == NULL);
    uint8_t fr[64];
    size_t fn;
    CHECK(rtp_cobs_decode(wire, wn - 1, fr, sizeof fr, &fn));
    CHECK_EQ(fn, 9 + sizeof hello_msg);
    CHECK_MEM(fr, "\x01\x00\x00\x00\x00", 5);
    CHECK_MEM(fr + 5, hello_msg, sizeof hello_msg);
    uint32_t crc = rtp_crc32c(fr, 5 + sizeof hello_msg);
    CHECK_EQ(fr[fn - 4] | fr[fn - 3] << 8 | fr[fn - 2] << 16 | (uint32_t)fr[fn - 1] << 24, crc);
    /* encode edge cases */
    CHECK_EQ(rtp_frame_encode(&h, hello_msg, 0, wire, sizeof wire), 0);
    CHECK_EQ(rtp_frame_encode(&h, hello_msg, sizeof hello_msg, wire, wn - 1), 0);
    CHECK_EQ(rtp_frame_encode(&h, hello_msg, sizeof hello_msg, wire, wn), wn);
    CHECK(RTP_WIRE_MAX_BYTES(256) == 256 + 2 + 1 + 1);

    /* Parse it all at once, byte by byte, and in odd chunks. */
    for (size_t chunk = 0; chunk < 8; chunk++) {
        rtp_frame_parser_init(&P, rxbuf, sizeof rxbuf);
        rtp_frame_t f;
        CHECK_EQ(feed(wire, wn, chunk, &f), 1);
        CHECK_EQ(f.msg_len, sizeof hello_msg);
        CHECK_MEM(f.msg, hello_msg, sizeof hello_msg);
        CHECK_EQ(f.hdr.seq, 0);
        CHECK_EQ(P.counters.frames_ok, 1);
    }

    /* Garbage before, empty frames between: resync, empty frames uncounted. */
    rtp_frame_parser_init(&P, rxbuf, sizeof rxbuf);
    const uint8_t garbage[] = {0x13, 0x37, 0xFF, 0x42, 0x00, 0x00, 0x00};
    CHECK_EQ(feed(garbage, sizeof garbage, 0, NULL), 0);
    CHECK_EQ(P.counters.cobs, 1); /* 13 37 FF 42: code 0x13 runs past the end */
    CHECK_EQ(feed(wire, wn, 1, NULL), 1);
    rtp_frame_counters_t c = P.counters;
    CHECK_EQ(c.frames_ok, 1);
    CHECK_EQ(c.too_short + c.crc + c.oversize + c.version + c.lost, 0);

    /* short: 9-byte frame (no message) with a valid CRC */
    rtp_frame_parser_init(&P, rxbuf, sizeof rxbuf);
    size_t n = raw_wire(1, 0, 0, NULL, 0, false, wire, sizeof wire);
    CHECK_EQ(feed(wire, n, 0, NULL), 0);
    CHECK_EQ(P.counters.too_short, 1);
    const uint8_t tiny[] = {0x02, 0x01, 0x00}; /* decodes to 1 byte */
    CHECK_EQ(feed(tiny, sizeof tiny, 0, NULL), 0);
    CHECK_EQ(P.counters.too_short, 2);

    /* crc */
    n = raw_wire(1, 0, 0, hello_msg, sizeof hello_msg, true, wire, sizeof wire);
    CHECK_EQ(feed(wire, n, 1, NULL), 0);
    CHECK_EQ(P.counters.crc, 1);

    /* version (valid CRC, version 2) */
    n = raw_wire(2, 0, 0, hello_msg, sizeof hello_msg, false, wire, sizeof wire);
    CHECK_EQ(feed(wire, n, 0, NULL), 0);
    CHECK_EQ(P.counters.version, 1);

    /* Double faults resolve like the spec table / TS codec: crc before
     * version. */
    n = raw_wire(2, 0, 0, hello_msg, sizeof hello_msg, true, wire, sizeof wire);
    CHECK_EQ(feed(wire, n, 0, NULL), 0);
    CHECK_EQ(P.counters.crc, 2);
    CHECK_EQ(P.counters.version, 1);

    /* truncated: a frame cut mid-block by a delimiter is a cobs error; the
     * next frame still arrives. */
    n = raw_wire(1, 0, 1, hello_msg, sizeof hello_msg, false, wire, sizeof wire);
    uint8_t cut[128];
    memcpy(cut, wire, 8);
    cut[8] = 0;
    uint32_t cobs_before = P.counters.cobs;
    CHECK_EQ(feed(cut, 9, 0, NULL), 0);
    CHECK(P.counters.cobs == cobs_before + 1 || P.counters.too_short > 2);
    CHECK_EQ(feed(wire, n, 0, NULL), 1);
    CHECK_EQ(P.counters.frames_ok, 1);

    /* oversize: detected before the delimiter, counted once, discarded to the
     * next 0x00; the following frame is fine. Parser buffer = max_frame. */
    static uint8_t small[256];
    rtp_frame_parser_init(&P, small, sizeof small);
    CHECK_EQ(P.max_frame, 256);
    uint8_t big[300];
    memset(big, 0x55, sizeof big);
    big[0] = 0x83; /* contents do not matter */
    n = raw_wire(1, 0, 0, big, 256 - 9 + 1, false, wire, sizeof wire); /* 257-byte frame */
    CHECK_EQ(feed(wire, n, 0, NULL), 0);
    CHECK_EQ(P.counters.oversize, 1);
    n = raw_wire(1, 0, 0, big, 256 - 9, false, wire, sizeof wire); /* exactly 256 */
    CHECK_EQ(feed(wire, n, 0, NULL), 1);
    CHECK_EQ(P.counters.frames_ok, 1);
    /* an endless run without delimiter never overflows, counts once */
    uint8_t ones[1000];
    memset(ones, 0x01, sizeof ones);
    CHECK_EQ(feed(ones, sizeof ones, 3, NULL), 0);
    CHECK_EQ(P.counters.oversize, 2);
    CHECK_EQ(feed((const uint8_t *)"\x00", 1, 0, NULL), 0);
    CHECK_EQ(P.counters.oversize, 2);
    CHECK_EQ(P.counters.cobs + P.counters.too_short, 0);

    /* Decoded 257 > 256 but the encoded run is within the spec's bound and
     * its last block is cut short: cobs wins over oversize (checked first at
     * the delimiter). */
    rtp_frame_parser_init(&P, small, sizeof small);
    n = raw_wire(1, 0, 0, big, 256 - 9 + 1, false, wire, sizeof wire);
    wire[n - 2] = 0x00; /* drop the last byte: the final block is now short */
    CHECK_EQ(feed(wire, n - 1, 0, NULL), 0);
    CHECK_EQ(P.counters.cobs, 1);
    CHECK_EQ(P.counters.oversize, 0);
    /* A run one byte past the bound is dropped before its delimiter. */
    memset(ones, 0x01, sizeof ones);
    CHECK_EQ(feed(ones, 256 + 2 + 1, 0, NULL), 0);
    CHECK_EQ(P.counters.oversize, 0);
    CHECK_EQ(feed(ones, 1, 0, NULL), 0);
    CHECK_EQ(P.counters.oversize, 1);
    CHECK(P.discarding);

    /* max_frame at runtime: bounded by the buffer and [10, 65535]. */
    rtp_frame_parser_init(&P, rxbuf, sizeof rxbuf);
    CHECK(!rtp_frame_parser_set_max_frame(&P, sizeof rxbuf + 1));
    CHECK(!rtp_frame_parser_set_max_frame(&P, 9));
    CHECK(rtp_frame_parser_set_max_frame(&P, 1000));
    n = raw_wire(1, 0, 0, big, 280, false, wire, sizeof wire);
    CHECK_EQ(feed(wire, n, 0, NULL), 1);
    CHECK(rtp_frame_parser_set_max_frame(&P, 256));
    CHECK_EQ(feed(wire, n, 0, NULL), 0);
    CHECK_EQ(P.counters.oversize, 1);

    /* Sequence: first frame sets the expectation; gaps count; wrap; BOOT. */
    rtp_frame_parser_init(&P, rxbuf, sizeof rxbuf);
    const struct { uint16_t seq; uint8_t flags; uint32_t lost_after; } seqs[] = {
        {100, 0, 0},                /* first: only sets */
        {101, 0, 0},
        {105, 0, 3},                /* 102..104 lost */
        {106, 0, 3},
        {7, RTP_FLAG_BOOT, 3},      /* BOOT: only sets */
        {8, RTP_FLAG_BOOT, 3},
        {10, 0, 4},
        {65535, 0, 4 + 65524},      /* (65535 - 11) mod 65536 */
        {0, 0, 4 + 65524},          /* wrap without loss */
        {1, 0xFE, 4 + 65524},       /* reserved flag bits ignored */
        {0, 0, 4 + 65524 + 65534},  /* going back counts as a huge gap, per spec */
    };
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
        rtp_frame_hdr_t hh = {seqs[i].flags, RTP_CHANNEL_BULK, seqs[i].seq};
        n = rtp_frame_encode(&hh, hello_msg, sizeof hello_msg, wire, sizeof wire);
        rtp_frame_t f;
        CHECK_EQ(feed(wire, n, i % 3, &f), 1);
        CHECK_EQ(f.hdr.seq, seqs[i].seq);
        CHECK_EQ(f.hdr.flags, seqs[i].flags);
        CHECK_EQ(f.hdr.channel, RTP_CHANNEL_BULK);
        CHECK_EQ(P.counters.lost, seqs[i].lost_after);
    }
    rtp_frame_parser_reset_seq(&P);
    {
        rtp_frame_hdr_t hh = {0, 0, 5000};
        n = rtp_frame_encode(&hh, hello_msg, sizeof hello_msg, wire, sizeof wire);
        uint32_t lost = P.counters.lost;
        CHECK_EQ(feed(wire, n, 0, NULL), 1);
        CHECK_EQ(P.counters.lost, lost);
    }

    /* Many frames back to back in one chunk, random chunking, with a frame
     * that needs several COBS blocks. */
    rtp_frame_parser_init(&P, rxbuf, sizeof rxbuf);
    CHECK(rtp_frame_parser_set_max_frame(&P, 4096));
    static uint8_t stream[20000];
    size_t sn = 0;
    uint64_t seed = 99;
    static uint8_t msg[1500];
    for (int k = 0; k < 10; k++) {
        size_t ml = 1 + (size_t)(rng_next(&seed) % sizeof msg);
        for (size_t i = 0; i < ml; i++)
            msg[i] = (uint8_t)(k % 2 ? 0x77 : rng_next(&seed)); /* zero-free runs too */
        rtp_frame_hdr_t hh = {0, 1, (uint16_t)k};
        sn += rtp_frame_encode(&hh, msg, ml, stream + sn, sizeof stream - sn);
    }
    for (size_t chunk = 0; chunk < 5; chunk++) {
        rtp_frame_parser_init(&P, rxbuf, sizeof rxbuf);
        CHECK(rtp_frame_parser_set_max_frame(&P, 4096));
        CHECK_EQ(feed(stream, sn, chunk * 37, NULL), 10);
        CHECK_EQ(P.counters.lost, 0);
        CHECK(memcmp(&P.counters.cobs, &zero.cobs, sizeof(uint32_t) * 5) == 0);
    }

    /* A corrupted byte costs at most its frame (and the next if it hit a
     * delimiter). */
    for (size_t pos = 0; pos < 40 && pos < sn; pos++) {
        static uint8_t copy[20000];
        memcpy(copy, stream, sn);
        copy[pos] ^= 0x5A;
        rtp_frame_parser_init(&P, rxbuf, sizeof rxbuf);
        CHECK(rtp_frame_parser_set_max_frame(&P, 4096));
        CHECK(feed(copy, sn, 0, NULL) >= 8);
    }

    /* flush drops a partial run without counting it */
    rtp_frame_parser_init(&P, rxbuf, sizeof rxbuf);
    {
        rtp_frame_hdr_t hh = {0, 0, 1};
        n = rtp_frame_encode(&hh, hello_msg, sizeof hello_msg, wire, sizeof wire);
        CHECK_EQ(feed(wire, n / 2, 0, NULL), 0);
        rtp_frame_parser_flush(&P);
        CHECK_EQ(feed(wire + n / 2, n - n / 2, 0, NULL), 0); /* tail alone: garbage */
        CHECK_EQ(feed(wire, n, 0, NULL), 1);
        CHECK_EQ(P.counters.frames_ok, 1);
    }

    /* counters export order */
    rtp_frame_counters_t cc = {1, 2, 3, 4, 5, 6, 7};
    uint64_t out[9];
    CHECK_EQ(rtp_frame_counters_export(&cc, out, 9), 7);
    for (int i = 0; i < 7; i++)
        CHECK_EQ(out[i], (uint64_t)i + 1);
    CHECK_EQ(rtp_frame_counters_export(&cc, out, 2), 2);
    return check_report("frame");
}
