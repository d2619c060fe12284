/* COBS: round trips around the 254-byte block boundary, exact encodings,
 * the minimal-form rule, error cases and the incremental encoder. */
#include "check.h"
#include "rtp/cobs.h"

static void round_trip(const uint8_t *src, size_t n)
{
    static uint8_t enc[2048], dec[2048];
    size_t e = rtp_cobs_encode(src, n, enc, sizeof enc);
    CHECK(e > 0);
    CHECK(e <= n + n / 254 + 1); /* the spec's bound ... */
    if (memchr(src, 0, n) == NULL)
        CHECK_EQ(e, n + n / 254 + 1); /* ... reached exactly by zero-free input */
    CHECK(e <= RTP_COBS_MAX_ENCODED(n));
    CHECK(memchr(enc, 0, e) == NULL);
    size_t d = 0;
    CHECK(rtp_cobs_decode(enc, e, dec, sizeof dec, &d));
    CHECK_EQ(d, n);
    CHECK(n == 0 || memcmp(dec, src, n) == 0);
    /* one byte short of the needed capacity must fail cleanly */
    CHECK_EQ(rtp_cobs_encode(src, n, enc, e - 1), 0);
    if (n > 0) {
        CHECK(!rtp_cobs_decode(enc, e, dec, n - 1, &d));
    }
    /* in-place decode */
    CHECK(rtp_cobs_decode(enc, e, enc, e, &d));
    CHECK_EQ(d, n);
    CHECK(n == 0 || memcmp(enc, src, n) == 0);
}

int main(void)
{
    static uint8_t buf[1100];
    const size_t sizes[] = {0, 1, 2, 253, 254, 255, 256, 507, 508, 509, 762, 1000};

    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        for (size_t i = 0; i < n; i++) /* non-zero runs */
            buf[i] = (uint8_t)(i % 255 + 1);
        round_trip(buf, n);
        memset(buf, 0, n); /* all zero */
        round_trip(buf, n);
        uint64_t seed = n + 1; /* random with zeros */
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)(rng_next(&seed) % 4 == 0 ? 0 : rng_next(&seed));
        round_trip(buf, n);
        for (size_t i = 0; i < n; i++) /* zero at the very end */
            buf[i] = (uint8_t)(i + 1 == n ? 0 : 0x11);
        round_trip(buf, n);
    }

    uint8_t enc[600];
    size_t dn;
    /* Exact forms. */
    CHECK_EQ(rtp_cobs_encode(NULL, 0, enc, sizeof enc), 1);
    CHECK_EQ(enc[0], 0x01);
    const uint8_t z1[] = {0x00};
    CHECK_EQ(rtp_cobs_encode(z1, 1, enc, sizeof enc), 2);
    CHECK(enc[0] == 0x01 && enc[1] == 0x01);
    const uint8_t a[] = {0x11, 0x22, 0x00, 0x33};
    CHECK_EQ(rtp_cobs_encode(a, 4, enc, sizeof enc), 5);
    CHECK_MEM(enc, "\x03\x11\x22\x02\x33", 5);
    /* 254 non-zero bytes: FF + data, then a final 01 (original form, as in
     * the golden vector cobs_full_last_block). */
    for (int i = 0; i < 254; i++)
        buf[i] = 0x42;
    CHECK_EQ(rtp_cobs_encode(buf, 254, enc, sizeof enc), 256);
    CHECK(enc[0] == 0xFF && enc[255] == 0x01);
    /* 255 non-zero: FF + 254, then 02 + 1 */
    buf[254] = 0x43;
    CHECK_EQ(rtp_cobs_encode(buf, 255, enc, sizeof enc), 257);
    CHECK(enc[0] == 0xFF && enc[255] == 0x02 && enc[256] == 0x43);
    /* 254 non-zero then a zero: FF + 254, 01, 01 */
    buf[254] = 0;
    CHECK_EQ(rtp_cobs_encode(buf, 255, enc, sizeof enc), 257);
    CHECK(enc[0] == 0xFF && enc[255] == 0x01 && enc[256] == 0x01);
    /* The decoder also accepts the minimal variant without the final 01. */
    buf[254] = 0x42;
    rtp_cobs_encode(buf, 254, enc, sizeof enc);
    CHECK(rtp_cobs_decode(enc, 255, buf + 300, 300, &dn));
    CHECK_EQ(dn, 254);
    CHECK(rtp_cobs_decode(enc, 256, buf + 300, 300, &dn));
    CHECK_EQ(dn, 254);

    /* Errors: code past the end, embedded zero, zero code. */
    CHECK(!rtp_cobs_decode((const uint8_t *)"\x05\x11\x22", 3, enc, sizeof enc, &dn));
    CHECK(!rtp_cobs_decode((const uint8_t *)"\x03\x11\x00", 3, enc, sizeof enc, &dn));
    CHECK(!rtp_cobs_decode((const uint8_t *)"\x00", 1, enc, sizeof enc, &dn));
    CHECK(rtp_cobs_decode((const uint8_t *)"", 0, enc, sizeof enc, &dn));
    CHECK_EQ(dn, 0);

    /* Incremental encoder == one-shot, for every split point. */
    uint64_t seed = 7;
    for (int i = 0; i < 600; i++)
        buf[i] = (uint8_t)(rng_next(&seed) % 3 == 0 ? 0 : rng_next(&seed));
    uint8_t one[700], inc[700];
    size_t n1 = rtp_cobs_encode(buf, 520, one, sizeof one);
    for (size_t cut = 0; cut <= 520; cut += 13) {
        rtp_cobs_enc_t e;
        rtp_cobs_enc_begin(&e, inc, sizeof inc);
        rtp_cobs_enc_put(&e, buf, cut);
        rtp_cobs_enc_put(&e, buf + cut, 520 - cut);
        CHECK_EQ(rtp_cobs_enc_end(&e), n1);
        CHECK_MEM(inc, one, n1);
    }
    CHECK_EQ(rtp_cobs_encode(buf, 10, enc, 0), 0);
    return check_report("cobs");
}
