/* CBOR writer and reader edge cases. */
#include "check.h"
#include "rtp/cbor.h"

static size_t hx(const char *s, uint8_t *out) { return hex_parse(s, out, 256); }

static void put_uint_is(uint64_t v, const char *hex)
{
    uint8_t buf[16], want[16];
    rtp_cbor_writer_t w;
    rtp_cbor_writer_init(&w, buf, sizeof buf);
    rtp_cbor_put_uint(&w, v);
    size_t n = hx(hex, want);
    CHECK(rtp_cbor_writer_ok(&w));
    CHECK_EQ(w.len, n);
    CHECK_MEM(buf, want, n);
    /* and it reads back */
    rtp_cbor_reader_t r;
    uint64_t got = 0;
    rtp_cbor_reader_init(&r, buf, w.len);
    CHECK_EQ(rtp_cbor_read_uint(&r, &got), RTP_CBOR_OK);
    CHECK_EQ(got, v);
    CHECK(rtp_cbor_at_end(&r));
}

static uint64_t read_uint_hex(const char *hex, rtp_cbor_err_t want_err)
{
    uint8_t b[32];
    size_t n = hx(hex, b);
    rtp_cbor_reader_t r;
    uint64_t v = 0;
    rtp_cbor_reader_init(&r, b, n);
    CHECK_EQ(rtp_cbor_read_uint(&r, &v), want_err);
    return v;
}

static rtp_cbor_err_t check_hex(const char *hex, unsigned depth)
{
    uint8_t b[256];
    size_t n = hx(hex, b);
    return rtp_cbor_check(b, n, depth, NULL);
}

int main(void)
{
    /* Shortest forms at every boundary, incl. 64-bit. */
    put_uint_is(0, "00");
    put_uint_is(23, "17");
    put_uint_is(24, "1818");
    put_uint_is(255, "18ff");
    put_uint_is(256, "190100");
    put_uint_is(65535, "19ffff");
    put_uint_is(65536, "1a00010000");
    put_uint_is(0xFFFFFFFFu, "1affffffff");
    put_uint_is(0x100000000ull, "1b0000000100000000");
    put_uint_is(UINT64_MAX, "1bffffffffffffffff");

    /* Non-shortest integer forms are accepted. */
    CHECK_EQ(read_uint_hex("1801", RTP_CBOR_OK), 1);
    CHECK_EQ(read_uint_hex("190001", RTP_CBOR_OK), 1);
    CHECK_EQ(read_uint_hex("1a00000001", RTP_CBOR_OK), 1);
    CHECK_EQ(read_uint_hex("1b0000000000000001", RTP_CBOR_OK), 1);
    /* Truncated arguments, wrong type, reserved additional info. */
    read_uint_hex("19ff", RTP_CBOR_ERR_TRUNCATED);
    read_uint_hex("1b00", RTP_CBOR_ERR_TRUNCATED);
    read_uint_hex("", RTP_CBOR_ERR_TRUNCATED);
    read_uint_hex("20", RTP_CBOR_ERR_TYPE); /* -1 */
    read_uint_hex("1c", RTP_CBOR_ERR_RESERVED);
    read_uint_hex("1f", RTP_CBOR_ERR_RESERVED);

    /* Writer: strings, containers, bool, overflow and measuring. */
    uint8_t buf[64];
    rtp_cbor_writer_t w;
    rtp_cbor_writer_init(&w, buf, sizeof buf);
    rtp_cbor_put_array(&w, 3);
    rtp_cbor_put_bool(&w, true);
    rtp_cbor_put_bstr(&w, (const uint8_t *)"\x01\x02", 2);
    rtp_cbor_put_map(&w, 1);
    rtp_cbor_put_uint(&w, 2);
    rtp_cbor_put_tstr(&w, "lab1", 4);
    uint8_t want[32];
    size_t wn = hx("83 f5 42 0102 a1 02 64 6c616231", want);
    CHECK_EQ(w.len, wn);
    CHECK_MEM(buf, want, wn);
    rtp_cbor_writer_init(&w, buf, 3);
    rtp_cbor_put_tstr(&w, "lab1", 4);
    CHECK(!rtp_cbor_writer_ok(&w));
    CHECK_EQ(w.len, 5);
    rtp_cbor_put_uint(&w, 1); /* sticky */
    CHECK(!rtp_cbor_writer_ok(&w));
    rtp_cbor_writer_init(&w, NULL, 0);
    rtp_cbor_put_bstr(&w, NULL, 0);
    CHECK(!rtp_cbor_writer_ok(&w));
    CHECK_EQ(w.len, 1);

    /* Reader: strings are bounds-checked against the bytes left. */
    uint8_t b[32];
    rtp_cbor_reader_t r;
    const uint8_t *p;
    size_t n;
    size_t bn = hx("45 0102", b); /* claims 5 bytes, has 2 */
    rtp_cbor_reader_init(&r, b, bn);
    CHECK_EQ(rtp_cbor_read_bstr(&r, &p, &n), RTP_CBOR_ERR_TRUNCATED);
    CHECK_EQ(r.pos, 0);
    bn = hx("5b ffffffffffffffff 00", b); /* absurd length */
    rtp_cbor_reader_init(&r, b, bn);
    CHECK_EQ(rtp_cbor_read_bstr(&r, &p, &n), RTP_CBOR_ERR_TRUNCATED);
    bn = hx("5800", b); /* non-shortest length form, accepted */
    rtp_cbor_reader_init(&r, b, bn);
    CHECK_EQ(rtp_cbor_read_bstr(&r, &p, &n), RTP_CBOR_OK);
    CHECK_EQ(n, 0);
    bool bv;
    bn = hx("f4 f5 f6 f818", b);
    rtp_cbor_reader_init(&r, b, bn);
    CHECK_EQ(rtp_cbor_read_bool(&r, &bv), RTP_CBOR_OK);
    CHECK(!bv);
    CHECK_EQ(rtp_cbor_read_bool(&r, &bv), RTP_CBOR_OK);
    CHECK(bv);
    CHECK_EQ(rtp_cbor_read_bool(&r, &bv), RTP_CBOR_ERR_TYPE); /* null */
    CHECK_EQ(r.pos, 2);

    /* Well-formedness. */
    CHECK_EQ(check_hex("83 01 01 a0", 8), RTP_CBOR_OK);
    CHECK_EQ(check_hex("83 01 01 a0 00", 8), RTP_CBOR_ERR_TRAILING);
    CHECK_EQ(check_hex("83 01 01", 8), RTP_CBOR_ERR_TRUNCATED);
    CHECK_EQ(check_hex("9f 01 ff", 8), RTP_CBOR_ERR_INDEFINITE);
    CHECK_EQ(check_hex("bf ff", 8), RTP_CBOR_ERR_INDEFINITE);
    CHECK_EQ(check_hex("5f 41 00 ff", 8), RTP_CBOR_ERR_INDEFINITE);
    CHECK_EQ(check_hex("7f ff", 8), RTP_CBOR_ERR_INDEFINITE);
    CHECK_EQ(check_hex("c1 1a 00000000", 8), RTP_CBOR_ERR_TAG);
    CHECK_EQ(check_hex("82 01 c0 60", 8), RTP_CBOR_ERR_TAG);
    CHECK_EQ(check_hex("ff", 8), RTP_CBOR_ERR_RESERVED);
    CHECK_EQ(check_hex("f8 10", 8), RTP_CBOR_ERR_RESERVED); /* 2-byte simple < 32 */
    CHECK_EQ(check_hex("f8 20", 8), RTP_CBOR_OK);
    CHECK_EQ(check_hex("fb 3ff0000000000000", 8), RTP_CBOR_OK); /* float64 */
    CHECK_EQ(check_hex("f9 3c00", 8), RTP_CBOR_OK);               /* float16 */
    CHECK_EQ(check_hex("fa 3f800000", 8), RTP_CBOR_OK);           /* float32 */
    CHECK_EQ(check_hex("fa 3f80", 8), RTP_CBOR_ERR_TRUNCATED);
    CHECK_EQ(check_hex("3b ffffffffffffffff", 8), RTP_CBOR_OK);   /* -2^64 */
    CHECK_EQ(check_hex("9b ffffffffffffffff 00", 8), RTP_CBOR_ERR_TRUNCATED);
    CHECK_EQ(check_hex("bb 8000000000000000 00 00", 8), RTP_CBOR_ERR_TRUNCATED);

    /* Depth: 8 nested arrays pass, 9 fail. */
    CHECK_EQ(check_hex("81 81 81 81 81 81 81 80", 8), RTP_CBOR_OK);
    CHECK_EQ(check_hex("81 81 81 81 81 81 81 81 80", 8), RTP_CBOR_ERR_DEPTH);
    CHECK_EQ(check_hex("a1 00 a1 00 a1 00 a1 00 a1 00 a1 00 a1 00 a1 00 a0", 8), RTP_CBOR_ERR_DEPTH);
    CHECK_EQ(check_hex("a1 00 a1 00 a1 00 a1 00 a1 00 a1 00 a1 00 a0", 8), RTP_CBOR_OK);
    CHECK_EQ(check_hex("00", 0), RTP_CBOR_OK);
    CHECK_EQ(check_hex("80", 0), RTP_CBOR_ERR_DEPTH);

    /* Skip a nested value of every type, then continue reading. */
    bn = hx("a3 63 6b6579 82 fb 0000000000000000 a1 20 f6 01 c4 02 f7 07", b);
    rtp_cbor_reader_init(&r, b, bn);
    CHECK_EQ(rtp_cbor_skip(&r, 8), RTP_CBOR_ERR_TAG); /* c4 inside */
    bn = hx("a2 63 6b6579 82 fb 0000000000000000 a1 20 f6 01 f7 07", b);
    rtp_cbor_reader_init(&r, b, bn);
    CHECK_EQ(rtp_cbor_skip(&r, 8), RTP_CBOR_OK);
    uint64_t v;
    CHECK_EQ(rtp_cbor_read_uint(&r, &v), RTP_CBOR_OK);
    CHECK_EQ(v, 7);
    CHECK(rtp_cbor_at_end(&r));

    CHECK(strcmp(rtp_cbor_err_name(RTP_CBOR_ERR_TAG), "tag") == 0);
    return check_report("cbor");
}
