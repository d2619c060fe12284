/* Message codec: round trip of every (type, dir) with optionals present and
 * absent, exact bytes for known encodings, and every decode error class. */
#include "check.h"
#include "rtp/messages.h"
#include "samples.h"

static uint8_t buf[8192], buf2[8192];
static rtp_msg_t M, M2;
static rtp_decode_error_t E;

static rtp_decode_status_t dec_hex(rtp_dir_t dir, const char *hex)
{
    static uint8_t b[4096];
    size_t n = hex_parse(hex, b, sizeof b);
    CHECK(n != (size_t)-1);
    static uint8_t keep[4096]; /* views must outlive this call */
    memcpy(keep, b, n);
    return rtp_msg_decode(dir, keep, n, &M, &E);
}

/* decode must fail with this status/reason (and key if >= 0) */
static void bad(rtp_dir_t dir, const char *hex, rtp_decode_status_t st, rtp_decode_reason_t why, int key,
                int line)
{
    rtp_decode_status_t got = dec_hex(dir, hex);
    if (got != st || E.reason != why || (key >= 0 && (!E.has_key || E.key != key))) {
        fprintf(stderr, "line %d: got %s/%s key %d (has %d), want %s/%s key %d\n", line,
                rtp_decode_status_name(got), rtp_decode_reason_name(E.reason), E.key, E.has_key,
                rtp_decode_status_name(st), rtp_decode_reason_name(why), key);
    }
    CHECK_EQ(got, st);
    CHECK_EQ(E.reason, why);
    if (key >= 0)
        CHECK(E.has_key && E.key == key);
}
#define BAD(dir, hex, st, why, key) bad(dir, hex, st, why, key, __LINE__)
#define MAL RTP_DECODE_MALFORMED
#define H RTP_DIR_H2D
#define D RTP_DIR_D2H

/* decode succeeds and re-encodes to exactly `canon` (hex) */
static void reencodes(rtp_dir_t dir, const char *hex, const char *canon, int line)
{
    rtp_decode_status_t st = dec_hex(dir, hex);
    if (st != RTP_DECODE_OK)
        fprintf(stderr, "line %d: decode %s/%s key %d\n", line, rtp_decode_status_name(st),
                rtp_decode_reason_name(E.reason), E.key);
    CHECK_EQ(st, RTP_DECODE_OK);
    uint8_t want[1024];
    size_t wn = hex_parse(canon, want, sizeof want);
    size_t n = rtp_msg_encode(&M, buf, sizeof buf);
    CHECK_EQ(n, wn);
    CHECK(n == wn && memcmp(buf, want, n) == 0);
}
#define REENC(dir, hex, canon) reencodes(dir, hex, canon, __LINE__)

static void round_trips(void)
{
    for (size_t k = 0; k < sample_kind_count; k++) {
        for (int full = 0; full < 2; full++) {
            sample_build(sample_kinds[k].type, sample_kinds[k].dir, full, &M);
            rtp_decode_error_t ce;
            bool ok = rtp_msg_check(&M, &ce);
            if (!ok)
                fprintf(stderr, "sample %s dir %d full %d: %s key %d\n",
                        rtp_msg_type_name(M.type), M.dir, full, rtp_decode_reason_name(ce.reason), ce.key);
            CHECK(ok);
            size_t n = rtp_msg_encode(&M, buf, sizeof buf);
            CHECK(n > 0);
            CHECK_EQ(rtp_msg_encoded_len(&M), n);
            CHECK_EQ(rtp_msg_encode(&M, buf, n - 1), 0); /* one short */
            CHECK_EQ(rtp_msg_decode(M.dir, buf, n, &M2, &E), RTP_DECODE_OK);
            CHECK(rtp_msg_equal(&M, &M2));
            CHECK_EQ(rtp_msg_encode(&M2, buf2, sizeof buf2), n);
            CHECK_MEM(buf, buf2, n);
            CHECK_EQ(E.has_id, 1);
            CHECK_EQ(E.id, M.id);
            /* the other direction either has another body or none */
            rtp_dir_t other = M.dir == H ? D : H;
            rtp_decode_status_t os = rtp_msg_decode(other, buf, n, &M2, &E);
            if (!rtp_msg_known(M.type, other)) {
                CHECK_EQ(os, RTP_DECODE_UNSUPPORTED);
                CHECK(E.has_id && E.id == M.id && E.has_type && E.type == M.type);
            }
        }
    }
}

static void exact_bytes(void)
{
    /* SPEC §8 example */
    CHECK_EQ(dec_hex(H, "83 01 01 A3 00 01 01 19 10 00 02 64 6C 61 62 31"), RTP_DECODE_OK);
    CHECK_EQ(M.type, RTP_MSG_HELLO);
    CHECK_EQ(M.id, 1);
    CHECK_EQ(M.body.hello_req.proto, 1);
    CHECK_EQ(M.body.hello_req.max_frame, 4096);
    CHECK(M.body.hello_req.has_host && M.body.hello_req.host.len == 4 &&
          memcmp(M.body.hello_req.host.ptr, "lab1", 4) == 0);
    rtp_msg_t h = {.type = RTP_MSG_HELLO, .id = 1, .dir = H};
    h.body.hello_req = (rtp_hello_req_t){.proto = 1, .max_frame = 4096, .has_host = true, .host = {"lab1", 4}};
    size_t n = rtp_msg_encode(&h, buf, sizeof buf);
    uint8_t want[64];
    CHECK_EQ(n, hex_parse("83 01 01 A3 00 01 01 19 10 00 02 64 6C 61 62 31", want, sizeof want));
    CHECK_MEM(buf, want, n);

    /* TRACE with a scalar and an array arg; absent dropped keeps its default */
    CHECK_EQ(dec_hex(D, "83 1840 00 a2 00 01 01 82 85 01 00 00 00 00 85 0a 01 02 03 83 02 181e 1878"),
             RTP_DECODE_OK);
    CHECK_EQ(M.body.trace.event_count, 2);
    CHECK(!M.body.trace.events[0].arg_is_array);
    CHECK(M.body.trace.events[1].arg_is_array && M.body.trace.events[1].arg_count == 3);
    CHECK_EQ(M.body.trace.events[1].arg[1], 30);
    CHECK_EQ(M.body.trace.events[1].arg[2], 120);
    CHECK(!M.body.trace.has_dropped && M.body.trace.dropped == 0);

    /* defaults of absent optionals */
    CHECK_EQ(dec_hex(H, "83 13 05 a1 00 01"), RTP_DECODE_OK);
    CHECK(!M.body.model_commit.has_activate && M.body.model_commit.activate);
    CHECK_EQ(dec_hex(H, "83 18 20 05 a2 01 00 04 03"), RTP_DECODE_OK);
    CHECK(!M.body.infer.has_want && M.body.infer.want == 1);

    /* Non-shortest ints and out-of-order keys decode; re-encode canonical. */
    REENC(H, "83 1801 1a00000001 a2 01 1a00001000 00 1b0000000000000001",
          "83 01 01 a2 00 01 01 19 1000");
}

static void unknown_keys(void)
{
    REENC(H,
          "83 01 01 a8 00 01 01 19 1000 09 fb 3ff0000000000000 0a a2 00 81 80 63 616263 f6"
          " 0b 82 f5 f4 0c 3b ffffffffffffffff 1b 00000001 00000000 f9 3c00 18 64 f8 ff",
          "83 01 01 a2 00 01 01 19 1000");
    /* unknown value nested to the depth limit (array, map, 6 more) */
    REENC(H, "83 01 01 a3 00 01 01 19 1000 05 81 81 81 81 81 80",
          "83 01 01 a2 00 01 01 19 1000");
    BAD(H, "83 01 01 a3 00 01 01 19 1000 05 81 81 81 81 81 81 80", MAL, RTP_REASON_CBOR, -1);
    CHECK_EQ(E.cbor, RTP_CBOR_ERR_DEPTH);
    CHECK(E.has_id && E.id == 1);
    /* unknown key inside a nested record (slot entry) */
    REENC(D, "83 14 02 a1 01 81 a3 00 00 01 00 07 a0", "83 14 02 a1 01 81 a2 00 00 01 00");
    /* duplicate keys are malformed in a known map even when unknown (SPEC
     * §3.2), small or large, in any order; maps inside unknown values are
     * not known maps and are skipped as they are. */
    BAD(H, "83 14 03 a2 09 00 09 01", MAL, RTP_REASON_DUPLICATE, 9);
    BAD(H, "83 14 03 a3 19 0100 00 18 40 01 19 0100 02", MAL, RTP_REASON_DUPLICATE, -1);
    BAD(H, "83 14 03 a3 18 50 00 18 40 01 18 50 02", MAL, RTP_REASON_DUPLICATE, 0x50);
    BAD(D, "83 14 02 a1 01 81 a4 00 00 01 00 18 41 00 18 41 00", MAL, RTP_REASON_DUPLICATE, 1);
    CHECK(E.index == 0 && E.subkey == 0x41);
    REENC(H, "83 14 03 a4 18 50 00 18 40 01 18 51 02 1b ffffffffffffffff 03", "83 14 03 a0");
    REENC(H, "83 14 03 a1 05 a2 01 00 01 00", "83 14 03 a0");       /* dup inside an unknown value */
    REENC(H, "83 14 03 a1 05 a1 61 61 00", "83 14 03 a0");          /* text key inside an unknown value */
    /* unknown keys in an empty-body query */
    REENC(H, "83 14 03 a1 00 00", "83 14 03 a0");
}

static void errors(void)
{
    /* well-formedness (id still reported when readable) */
    BAD(H, "83 01 07 bf 00 01 ff", MAL, RTP_REASON_CBOR, -1);
    CHECK_EQ(E.cbor, RTP_CBOR_ERR_INDEFINITE);
    CHECK(E.has_id && E.id == 7 && E.has_type && E.type == 1);
    BAD(H, "9f 01 07 a0 ff", MAL, RTP_REASON_CBOR, -1);
    CHECK(!E.has_id);
    BAD(H, "83 01 07 a1 00 c1 01", MAL, RTP_REASON_CBOR, -1);
    CHECK_EQ(E.cbor, RTP_CBOR_ERR_TAG);
    BAD(H, "83 01 01 a2 00 01 01 19 1000 00", MAL, RTP_REASON_CBOR, -1);
    CHECK_EQ(E.cbor, RTP_CBOR_ERR_TRAILING);
    BAD(H, "83 01 01 a2 00 01 01 19 10", MAL, RTP_REASON_CBOR, -1);
    CHECK_EQ(E.cbor, RTP_CBOR_ERR_TRUNCATED);
    BAD(H, "", MAL, RTP_REASON_CBOR, -1);
    BAD(H, "c1 83 01 01 a0", MAL, RTP_REASON_CBOR, -1);

    /* shape */
    BAD(H, "a0", MAL, RTP_REASON_SHAPE, -1);
    BAD(H, "82 01 01", MAL, RTP_REASON_SHAPE, -1);
    BAD(H, "84 01 01 a0 00", MAL, RTP_REASON_SHAPE, -1);
    BAD(H, "83 01 01 80", MAL, RTP_REASON_SHAPE, -1);
    CHECK(E.has_id && E.id == 1);
    BAD(H, "83 19 0100 01 a0", MAL, RTP_REASON_SHAPE, -1); /* type 256 */
    BAD(H, "83 01 1b 0000000100000000 a0", MAL, RTP_REASON_SHAPE, -1); /* id 2^32 */
    CHECK(!E.has_id);
    BAD(H, "83 20 01 a0", MAL, RTP_REASON_SHAPE, -1); /* type -1 */
    BAD(H, "83 01 61 31 a0", MAL, RTP_REASON_SHAPE, -1);

    /* unsupported: unknown type, or a type of the other direction */
    BAD(H, "83 18 99 1a 12345678 a0", RTP_DECODE_UNSUPPORTED, RTP_REASON_UNKNOWN_TYPE, -1);
    CHECK(E.has_id && E.id == 0x12345678 && E.type == 0x99);
    BAD(H, "83 18 7f 05 a2 00 01 01 60", RTP_DECODE_UNSUPPORTED, RTP_REASON_UNKNOWN_TYPE, -1);
    BAD(D, "83 18 20 05 a2 01 00 04 00", RTP_DECODE_UNSUPPORTED, RTP_REASON_UNKNOWN_TYPE, -1);
    BAD(H, "83 12 05 a0", RTP_DECODE_UNSUPPORTED, RTP_REASON_UNKNOWN_TYPE, -1);
    /* ... but bad CBOR inside an unknown type is still malformed */
    BAD(H, "83 18 99 05 bf ff", MAL, RTP_REASON_CBOR, -1);

    /* schema: missing, type, range, length, duplicate */
    BAD(H, "83 01 01 a1 00 01", MAL, RTP_REASON_MISSING, 1);
    CHECK(E.has_id && E.id == 1);
    BAD(H, "83 01 01 a2 00 61 31 01 19 1000", MAL, RTP_REASON_TYPE, 0);
    BAD(H, "83 01 01 a2 00 00 01 19 1000", MAL, RTP_REASON_RANGE, 0);
    CHECK_EQ(E.limit, 1);
    BAD(H, "83 01 01 a2 00 01 01 18 ff", MAL, RTP_REASON_RANGE, 1);
    CHECK_EQ(E.limit, 256);
    BAD(H, "83 01 01 a2 00 19 0100 01 19 1000", MAL, RTP_REASON_RANGE, 0);
    BAD(H, "83 01 01 a2 00 01 01 1a 00010000", MAL, RTP_REASON_RANGE, 1);
    BAD(H, "83 01 01 a3 00 01 01 19 1000 00 02", MAL, RTP_REASON_DUPLICATE, 0);
    BAD(H, "83 01 01 a3 00 01 61 78 00 01 19 1000", MAL, RTP_REASON_TYPE, -1); /* tstr key */
    BAD(H, "83 01 01 a3 00 01 01 19 1000 02 78 41 "
           "41414141414141414141414141414141414141414141414141414141414141414141414141414141"
           "41414141414141414141414141414141414141414141414141",
        MAL, RTP_REASON_LENGTH, 2); /* host 65 bytes */
    CHECK_EQ(E.limit, 64);
    BAD(H, "83 01 01 a3 00 01 01 19 1000 02 62 c3 28", MAL, RTP_REASON_TYPE, 2); /* bad UTF-8 */
    BAD(H, "83 01 01 a3 00 01 01 19 1000 02 62 c0 80", MAL, RTP_REASON_TYPE, 2); /* overlong */
    BAD(H, "83 01 01 a3 00 01 01 19 1000 02 43 616263", MAL, RTP_REASON_TYPE, 2); /* bstr host */
    /* MODEL_BEGIN sha256 of 31 bytes; size 0 */
    BAD(H, "83 10 01 a5 00 61 6d 01 01 02 58 1f 00000000000000000000000000000000000000000000000000000000000000"
           " 04 01 05 01", MAL, RTP_REASON_LENGTH, 2);
    BAD(H, "83 10 01 a5 00 61 6d 01 00 02 58 20 0000000000000000000000000000000000000000000000000000000000000000"
           " 04 01 05 01", MAL, RTP_REASON_RANGE, 1);
    /* MODEL_BEGIN: exactly one of sha256 (2) and header_sha256 (6) */
    BAD(H, "83 10 01 a4 00 61 6d 01 01 04 01 05 01", MAL, RTP_REASON_EXCLUSIVE, 2);
    BAD(H, "83 10 01 a6 00 61 6d 01 01 02 58 20 0000000000000000000000000000000000000000000000000000000000000000"
           " 04 01 05 01 06 58 20 0000000000000000000000000000000000000000000000000000000000000000",
        MAL, RTP_REASON_EXCLUSIVE, 6);
    CHECK_EQ(dec_hex(H, "83 10 01 a5 00 61 6d 01 01 04 01 05 01 06 58 20"
                        " 0101010101010101010101010101010101010101010101010101010101010101"),
             RTP_DECODE_OK);
    CHECK(!M.body.model_begin.has_sha256 && M.body.model_begin.has_header_sha256 &&
          M.body.model_begin.header_sha256.len == 32 && M.body.model_begin.header_sha256.ptr[31] == 1);
    /* MODEL_COMMIT's sha256 (2): 32 bytes */
    BAD(H, "83 13 01 a2 00 01 02 41 00", MAL, RTP_REASON_LENGTH, 2);
    /* MODEL_COMMIT activate must be a bool */
    BAD(H, "83 13 01 a2 00 01 01 01", MAL, RTP_REASON_TYPE, 1);
    BAD(H, "83 13 01 a2 00 01 01 f6", MAL, RTP_REASON_TYPE, 1);
    /* INFER: exactly one of input / input_index; mode 0..1; H 1..32 */
    BAD(H, "83 18 20 05 a1 01 00", MAL, RTP_REASON_EXCLUSIVE, 3);
    BAD(H, "83 18 20 05 a3 01 00 03 40 04 00", MAL, RTP_REASON_EXCLUSIVE, 4);
    BAD(H, "83 18 20 05 a2 01 02 04 00", MAL, RTP_REASON_RANGE, 1);
    /* INFER input_size (6): >= 1, and exclusive with input and input_index */
    BAD(H, "83 18 20 05 a3 01 00 04 00 06 19 3000", MAL, RTP_REASON_EXCLUSIVE, 6);
    BAD(H, "83 18 20 05 a2 01 00 06 00", MAL, RTP_REASON_RANGE, 6);
    CHECK_EQ(dec_hex(H, "83 18 20 05 a2 01 00 06 19 3000"), RTP_DECODE_OK);
    CHECK(M.body.infer.has_input_size && M.body.infer.input_size == 0x3000 && !M.body.infer.has_input);
    /* INFER_PART needs offset and data; RESULT_PART's part is 0..1 */
    BAD(H, "83 18 22 05 a1 00 00", MAL, RTP_REASON_MISSING, 1);
    BAD(H, "83 18 23 05 a2 00 02 01 00", MAL, RTP_REASON_RANGE, 0);
    BAD(D, "83 18 23 05 a3 00 00 01 00 02 01", MAL, RTP_REASON_MISSING, 3);
    BAD(H, "83 18 20 05 a3 01 01 02 81 83 00 01 00 04 00", MAL, RTP_REASON_RANGE, 2);
    CHECK(E.index == 0 && E.subkey == 2);
    BAD(H, "83 18 20 05 a3 01 01 02 82 83 00 01 01 83 00 01 18 21 04 00", MAL, RTP_REASON_RANGE, 2);
    CHECK(E.index == 1 && E.subkey == 2 && E.limit == 32);
    BAD(H, "83 18 20 05 a3 01 01 02 81 82 00 01 04 00", MAL, RTP_REASON_LENGTH, 2); /* 2-tuple */
    /* MODEL_ACK sack: too many ranges, wrong element type */
    BAD(D, "83 12 00 a5 00 00 01 00 02 89 820000 820000 820000 820000 820000 820000 820000 820000 820000"
           " 03 01 04 01", MAL, RTP_REASON_LENGTH, 2);
    CHECK_EQ(E.limit, 8);
    BAD(D, "83 12 00 a5 00 00 01 00 02 81 a0 03 01 04 01", MAL, RTP_REASON_TYPE, 2);
    /* TASKSET: 0 tasks, task missing a field, period 0 */
    BAD(H, "83 18 30 01 a1 00 80", MAL, RTP_REASON_LENGTH, 0);
    BAD(H, "83 18 30 01 a1 00 81 a3 00 00 01 01 02 01", MAL, RTP_REASON_MISSING, 0);
    CHECK(E.index == 0 && E.subkey == 4);
    BAD(H, "83 18 30 01 a1 00 81 a4 00 00 01 00 02 01 04 00", MAL, RTP_REASON_RANGE, 0);
    CHECK(E.index == 0 && E.subkey == 1);
    /* MODEL_STATUS: 5 slots; state 4; duplicate key in an entry */
    BAD(D, "83 14 01 a1 01 85 a2 0000 0100 a2 0000 0100 a2 0000 0100 a2 0000 0100 a2 0000 0100", MAL,
        RTP_REASON_LENGTH, 1);
    BAD(D, "83 14 01 a1 01 81 a2 00 00 01 04", MAL, RTP_REASON_RANGE, 1);
    BAD(D, "83 14 01 a1 01 81 a3 00 00 01 00 00 01", MAL, RTP_REASON_DUPLICATE, 1);
    /* PING counters: 17 entries; negative entry */
    BAD(D, "83 02 01 a4 00 00 01 00 02 00 03 91 00000000000000000000000000000000 00", MAL, RTP_REASON_LENGTH, 3);
    BAD(D, "83 02 01 a4 00 00 01 00 02 00 03 82 00 20", MAL, RTP_REASON_TYPE, 3);
    CHECK_EQ(E.index, 1);
    /* TRACE event: 5 args, text arg, 4-tuple */
    BAD(D, "83 1840 00 a2 00 01 01 81 85 0a 01 02 03 85 01 02 03 04 05", MAL, RTP_REASON_LENGTH, 1);
    BAD(D, "83 1840 00 a2 00 01 01 81 85 0a 01 02 03 60", MAL, RTP_REASON_TYPE, 1);
    BAD(D, "83 1840 00 a2 00 01 01 81 84 0a 01 02 03", MAL, RTP_REASON_LENGTH, 1);
    BAD(D, "83 1840 00 a2 00 01 01 81 85 0a 01 02 03 82 01 60", MAL, RTP_REASON_TYPE, 1);
    CHECK(E.index == 0 && E.subkey == 4);
    /* LOG level 4; text 201 bytes */
    BAD(D, "83 1841 00 a3 00 04 01 00 02 60", MAL, RTP_REASON_RANGE, 0);
    /* ERROR code above u16 */
    BAD(D, "83 18 7f 01 a2 00 1a 00010000 01 60", MAL, RTP_REASON_RANGE, 0);
    /* HELLO D2H clock_hz 0 */
    BAD(D, "83 01 01 ac 00 01 01 19 0100 02 60 03 60 04 60 05 00 06 00 07 00 08 00 09 00 0a 00 0b 00", MAL,
        RTP_REASON_RANGE, 5);
    CHECK_EQ(dec_hex(D, "83 01 01 ac 00 01 01 19 0100 02 60 03 60 04 60 05 01 06 00 07 00 08 00 09 00 0a 00 0b 00"),
             RTP_DECODE_OK);
}

static void encode_checks(void)
{
    rtp_decode_error_t ce;
    sample_build(RTP_MSG_MODEL_ACK, D, true, &M);
    M.body.model_ack.sack_count = RTP_MAX_SACK + 1; /* above capacity: must not read past */
    CHECK_EQ(rtp_msg_encode(&M, buf, sizeof buf), 0);
    CHECK(!rtp_msg_check(&M, &ce));
    CHECK(ce.reason == RTP_REASON_LENGTH && ce.key == 2);
    sample_build(RTP_MSG_HELLO, H, true, &M);
    M.body.hello_req.max_frame = 100;
    CHECK_EQ(rtp_msg_encode(&M, buf, sizeof buf), 0);
    CHECK(!rtp_msg_check(&M, &ce) && ce.reason == RTP_REASON_RANGE && ce.key == 1);
    sample_build(RTP_MSG_HELLO, H, true, &M);
    M.body.hello_req.host.ptr = NULL;
    CHECK_EQ(rtp_msg_encode(&M, buf, sizeof buf), 0);
    M.body.hello_req.host = (rtp_str_t){"\xff", 1};
    CHECK(!rtp_msg_check(&M, &ce) && ce.reason == RTP_REASON_TYPE);
    sample_build(RTP_MSG_INFER, H, false, &M);
    M.body.infer.has_input_index = false;
    CHECK(!rtp_msg_check(&M, &ce) && ce.reason == RTP_REASON_EXCLUSIVE);
    sample_build(RTP_MSG_HELLO, H, true, &M);
    M.type = 0x55;
    CHECK(!rtp_msg_check(&M, &ce) && ce.status == RTP_DECODE_UNSUPPORTED);
    CHECK_EQ(rtp_msg_encoded_len(&M), 0);
    sample_build(RTP_MSG_INFER, H, true, &M);
    M.body.infer.mode = 2;
    CHECK(!rtp_msg_check(&M, &ce) && ce.reason == RTP_REASON_RANGE && ce.key == 1 && ce.limit == 1);
    sample_build(RTP_MSG_INFER, H, true, &M);
    M.body.infer.trec[3].h = 0;
    CHECK(!rtp_msg_check(&M, &ce) && ce.reason == RTP_REASON_RANGE && ce.key == 2 && ce.index == 3);
    sample_build(RTP_MSG_PING, D, true, &M);
    M.body.ping_reply.counter_count = 17;
    CHECK(!rtp_msg_check(&M, &ce) && ce.reason == RTP_REASON_LENGTH);
    sample_build(RTP_MSG_TRACE, D, true, &M);
    M.body.trace.events[9].arg_count = 5;
    CHECK(!rtp_msg_check(&M, &ce) && ce.reason == RTP_REASON_LENGTH && ce.index == 9);
    sample_build(RTP_MSG_MODEL_STATUS, D, true, &M);
    M.body.model_status.slots[2].state = 4;
    CHECK(!rtp_msg_check(&M, &ce) && ce.reason == RTP_REASON_RANGE && ce.index == 2 && ce.subkey == 1);
    sample_build(RTP_MSG_MODEL_BEGIN, H, true, &M);
    M.body.model_begin.sha256.len = 31;
    CHECK(!rtp_msg_check(&M, &ce) && ce.reason == RTP_REASON_LENGTH && ce.key == 2);
    sample_build(RTP_MSG_MODEL_BEGIN, H, true, &M);
    M.body.model_begin.has_header_sha256 = true;
    M.body.model_begin.header_sha256 = M.body.model_begin.sha256;
    CHECK(!rtp_msg_check(&M, &ce) && ce.reason == RTP_REASON_EXCLUSIVE && ce.key == 6);
    M.body.model_begin.has_sha256 = false;
    CHECK(rtp_msg_check(&M, &ce));
    M.body.model_begin.has_header_sha256 = false;
    CHECK(!rtp_msg_check(&M, &ce) && ce.reason == RTP_REASON_EXCLUSIVE && ce.key == 2);
    sample_build(RTP_MSG_TASKSET, H, false, &M);
    M.body.taskset_req.task_count = 0;
    CHECK_EQ(rtp_msg_encode(&M, buf, sizeof buf), 0);
}

static void error_builders(void)
{
    rtp_msg_make_error(&M, 9, RTP_ERR_BAD_STATE, "no transfer");
    size_t n = rtp_msg_encode(&M, buf, sizeof buf);
    uint8_t want[64];
    size_t wn = hex_parse("83 18 7f 09 a2 00 05 01 6b 6e6f207472616e73666572", want, sizeof want);
    CHECK_EQ(n, wn);
    CHECK_MEM(buf, want, wn);
    /* 119 ASCII + a 2-byte char straddling 120: cut before it */
    char longmsg[200];
    memset(longmsg, 'x', 119);
    longmsg[119] = (char)0xC3;
    longmsg[120] = (char)0xA9;
    longmsg[121] = 0;
    rtp_msg_make_error(&M, 1, RTP_ERR_INTERNAL, longmsg);
    CHECK_EQ(M.body.error.message.len, 119);
    CHECK(rtp_msg_encode(&M, buf, sizeof buf) > 0);
    memset(longmsg, 'y', 150);
    longmsg[150] = 0;
    rtp_msg_make_error(&M, 1, RTP_ERR_INTERNAL, longmsg);
    CHECK_EQ(M.body.error.message.len, 120);

    CHECK_EQ(dec_hex(H, "83 18 99 1a 12345678 a0"), RTP_DECODE_UNSUPPORTED);
    rtp_msg_make_decode_error(&M, &E);
    CHECK(M.type == RTP_MSG_ERROR && M.id == 0x12345678 && M.body.error.code == RTP_ERR_UNSUPPORTED);
    CHECK(M.body.error.has_type && M.body.error.type == 0x99);
    CHECK(rtp_msg_encode(&M, buf, sizeof buf) > 0);
    CHECK_EQ(dec_hex(H, "ff"), RTP_DECODE_MALFORMED);
    rtp_msg_make_decode_error(&M, &E);
    CHECK(M.id == 0 && M.body.error.code == RTP_ERR_MALFORMED && !M.body.error.has_type);

    CHECK(strcmp(rtp_err_code_name(RTP_ERR_HASH_MISMATCH), "hash_mismatch") == 0);
    CHECK(rtp_err_code_name(0) == NULL && rtp_err_code_name(RTP_ERR_AUTHENTICATION + 1) == NULL);
    CHECK(strcmp(rtp_msg_type_name(RTP_MSG_MODEL_STATUS), "MODEL_STATUS") == 0);
    CHECK(rtp_msg_type_name(3) == NULL);
    CHECK(rtp_msg_known(RTP_MSG_ERROR, D) && !rtp_msg_known(RTP_MSG_ERROR, H));
}

/* rtp_msg_equal must notice a change in any part the schema defines. */
static void inequality(void)
{
    rtp_msg_t x, y;
    sample_build(RTP_MSG_TRACE, D, true, &x);
    y = x;
    CHECK(rtp_msg_equal(&x, &y));
    y.body.trace.events[5].ticks++;
    CHECK(!rtp_msg_equal(&x, &y));
    y = x;
    y.body.trace.events[9].arg[2]++; /* array arg (trec_stats) */
    CHECK(!rtp_msg_equal(&x, &y));
    y = x;
    y.body.trace.events[0].arg_is_array = true;
    CHECK(!rtp_msg_equal(&x, &y));
    y = x;
    y.body.trace.events[9].arg_count = 2;
    CHECK(!rtp_msg_equal(&x, &y));
    y = x;
    y.body.trace.events[0].arg[1] = 99; /* unused slot of a scalar arg: ignored */
    CHECK(rtp_msg_equal(&x, &y));
    y = x;
    y.body.trace.event_count--;
    CHECK(!rtp_msg_equal(&x, &y));
    y = x;
    y.body.trace.has_dropped = false;
    CHECK(!rtp_msg_equal(&x, &y));
    y = x;
    y.id++;
    CHECK(!rtp_msg_equal(&x, &y));

    sample_build(RTP_MSG_RESULT, D, true, &x);
    y = x;
    y.body.result.shape[3] = 5;
    CHECK(!rtp_msg_equal(&x, &y));
    y = x;
    y.body.result.shape_count = 3;
    CHECK(!rtp_msg_equal(&x, &y));
    y = x;
    y.body.result.output = (rtp_bytes_t){(const uint8_t *)"\x00\x00\x80\x3e", 4};
    CHECK(!rtp_msg_equal(&x, &y));
    y = x;
    y.body.result.output.len = 3;
    CHECK(!rtp_msg_equal(&x, &y));
    y = x;
    y.body.result.trec_count = 2;
    CHECK(!rtp_msg_equal(&x, &y));
    y = x;
    y.body.result.has_top = false;
    y.body.result.top = 12345; /* value of an absent field: ignored */
    x.body.result.has_top = false;
    CHECK(rtp_msg_equal(&x, &y));

    sample_build(RTP_MSG_MODEL_COMMIT, H, true, &x);
    y = x;
    y.body.model_commit.activate = true;
    CHECK(!rtp_msg_equal(&x, &y));
    sample_build(RTP_MSG_STOP, H, true, &x); /* {} bodies */
    y = x;
    CHECK(rtp_msg_equal(&x, &y));
    x.type = y.type = 0x55;
    CHECK(rtp_msg_equal(&x, &y));
}

static void names(void)
{
    for (size_t k = 0; k < sample_kind_count; k++)
        CHECK(rtp_msg_type_name(sample_kinds[k].type) != NULL);
    for (int r = RTP_REASON_NONE; r <= RTP_REASON_EXCLUSIVE; r++)
        CHECK(strcmp(rtp_decode_reason_name((rtp_decode_reason_t)r), "?") != 0);
    for (int st = RTP_DECODE_OK; st <= RTP_DECODE_UNSUPPORTED; st++)
        CHECK(strcmp(rtp_decode_status_name((rtp_decode_status_t)st), "?") != 0);
    for (int e = RTP_CBOR_OK; e <= RTP_CBOR_ERR_TYPE; e++)
        CHECK(strcmp(rtp_cbor_err_name((rtp_cbor_err_t)e), "?") != 0);
    for (uint16_t c = RTP_ERR_UNSUPPORTED; c <= RTP_ERR_AUTHENTICATION; c++)
        CHECK(rtp_err_code_name(c) != NULL);
    /* decode without an error struct */
    uint8_t hello[] = {0x83, 0x01, 0x01, 0xA2, 0x00, 0x01, 0x01, 0x19, 0x10, 0x00};
    CHECK_EQ(rtp_msg_decode(H, hello, sizeof hello, &M, NULL), RTP_DECODE_OK);
    CHECK_EQ(rtp_msg_decode(H, hello, 3, &M, NULL), RTP_DECODE_MALFORMED);
}

int main(void)
{
    round_trips();
    exact_bytes();
    unknown_keys();
    errors();
    encode_checks();
    error_builders();
    inequality();
    names();
    printf("sizeof(rtp_msg_t) = %zu\n", sizeof(rtp_msg_t));
    return check_report("messages");
}
