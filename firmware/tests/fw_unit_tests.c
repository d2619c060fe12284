/*
 * Unit tests of the portable firmware app, on the fake port (captured UART,
 * injected input, scripted clock) and the POSIX flash model on a temp file.
 *
 *   fw_unit_tests <case>     run one case (ctest registers each)
 *   fw_unit_tests all        run every case
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "app.h"
#include "bootid.h"
#include "fake_port.h"
#include "model_store.h"
#include "port.h"
#include "posix_flash.h"
#include "temp_flash.h"
#include "test_util.h"

#define MAX_RX 16

static char s_flash_path[4096];
static tu_host_t s_host;
static tu_rx_t s_rx[MAX_RX];
static uint8_t s_wire[70000];
static rtp_msg_t s_req;

/* ---------------------------------------------------------------- setup -- */

static void setup(void)
{
    temp_flash_create(s_flash_path, sizeof s_flash_path, "fw-unit");
    fake_port_reset_state();
    tu_host_init(&s_host);
}

static void teardown(void)
{
    temp_flash_remove(s_flash_path);
}

/* Decodes everything the app wrote since the last call into s_rx. */
static size_t take_replies(void)
{
    const uint8_t *out;
    size_t n = fake_port_take_output(&out);
    return tu_host_feed(&s_host, out, n, s_rx, MAX_RX);
}

/* Runs the app on whatever was injected; decodes everything it wrote. */
static size_t run_app(void)
{
    (void)app_poll();
    return take_replies();
}

/* Boots the app and consumes the boot HELLO. */
static void boot(void)
{
    app_init(NULL);
    size_t got = take_replies();
    CHECK_EQ_U(got, 1);
}

static void inject_msg(const rtp_msg_t *m, uint16_t seq)
{
    size_t n = tu_wire_msg(m, seq, s_wire, sizeof s_wire);
    fake_port_inject(s_wire, n);
}

static void inject_raw(const uint8_t *msg, size_t len, uint16_t seq)
{
    size_t n = tu_wire_raw(msg, len, seq, s_wire, sizeof s_wire);
    fake_port_inject(s_wire, n);
}

/* A frame (header + msg + CRC) built by hand, COBS-encoded, delimited. */
static void inject_frame_bytes(const uint8_t *frame, size_t len)
{
    uint8_t enc[512];
    size_t n = rtp_cobs_encode(frame, len, enc, sizeof enc - 1);
    CHECK(n != 0);
    enc[n++] = 0;
    fake_port_inject(enc, n);
}

static size_t make_frame(uint8_t version, const uint8_t *msg, size_t len, uint8_t *out)
{
    out[0] = version;
    out[1] = 0;
    out[2] = 0;
    out[3] = 0;
    out[4] = 0;
    memcpy(out + 5, msg, len);
    uint32_t crc = rtp_crc32c(out, 5 + len);
    for (unsigned i = 0; i < 4; i++) {
        out[5 + len + i] = (uint8_t)(crc >> (8 * i));
    }
    return 9 + len;
}

static void check_error(const tu_rx_t *r, uint32_t id, uint16_t code, int type)
{
    CHECK_EQ_U(r->status, RTP_DECODE_OK);
    CHECK_EQ_U(r->msg.type, RTP_MSG_ERROR);
    CHECK_EQ_U(r->msg.id, id);
    CHECK_EQ_U(r->msg.body.error.code, code);
    CHECK_EQ_U(r->hdr.channel, RTP_CHANNEL_CONTROL);
    if (type >= 0) {
        CHECK(r->msg.body.error.has_type);
        CHECK_EQ_U(r->msg.body.error.type, type);
    }
}

/* Sends a PING and returns its reply's counters (9 expected). */
static const uint64_t *ping_counters(uint32_t id, uint16_t seq)
{
    static uint64_t c[RTP_MAX_COUNTERS];
    tu_ping_req(&s_req, id, 1);
    inject_msg(&s_req, seq);
    size_t got = run_app();
    CHECK_EQ_U(got, 1);
    CHECK_EQ_U(s_rx[0].msg.type, RTP_MSG_PING);
    CHECK(s_rx[0].msg.body.ping_reply.has_counters);
    CHECK_EQ_U(s_rx[0].msg.body.ping_reply.counter_count, APP_COUNTERS_N);
    memcpy(c, s_rx[0].msg.body.ping_reply.counters, sizeof c);
    return c;
}

enum { C_OK, C_COBS, C_SHORT, C_CRC, C_OVERSIZE, C_VERSION, C_LOST, C_MALFORMED, C_UNSUPPORTED };

/* ---------------------------------------------------------------- cases -- */

static void t_boot_hello(void)
{
    app_init(NULL);
    const uint8_t *out;
    size_t n = fake_port_take_output(&out);
    CHECK(n > 2);
    CHECK_EQ_U(out[0], 0x00); /* leading delimiter flushes the host's parser */
    size_t got = tu_host_feed(&s_host, out, n, s_rx, MAX_RX);
    CHECK_EQ_U(got, 1);
    const tu_rx_t *r = &s_rx[0];
    CHECK_EQ_U(r->status, RTP_DECODE_OK);
    CHECK_EQ_U(r->hdr.flags & RTP_FLAG_BOOT, RTP_FLAG_BOOT);
    CHECK_EQ_U(r->hdr.seq, 0);
    CHECK_EQ_U(r->hdr.channel, RTP_CHANNEL_CONTROL);
    CHECK_EQ_U(r->msg.type, RTP_MSG_HELLO);
    CHECK_EQ_U(r->msg.id, 0);
    CHECK_EQ_U(r->msg.body.hello_info.proto, 1);
    CHECK(tu_str_eq(r->msg.body.hello_info.device_id, FAKE_DEVICE_ID));
    CHECK_EQ_U(r->msg.body.hello_info.boot_id, app_boot_id());
}

static void t_boot_flag_until_valid_frame(void)
{
    boot();
    CHECK_EQ_U(s_rx[0].hdr.flags & RTP_FLAG_BOOT, RTP_FLAG_BOOT);
    /* A frame with a bad CRC is not valid: no reply, BOOT still pending. */
    uint8_t msg[] = {0x83, 0x02, 0x01, 0xA1, 0x00, 0x01};
    uint8_t frame[64];
    size_t fl = make_frame(1, msg, sizeof msg, frame);
    frame[fl - 1] ^= 0x5A;
    inject_frame_bytes(frame, fl);
    CHECK_EQ_U(run_app(), 0);
    /* First valid frame: the reply no longer carries BOOT. */
    tu_ping_req(&s_req, 3, 9);
    inject_msg(&s_req, 0);
    CHECK_EQ_U(run_app(), 1);
    CHECK_EQ_U(s_rx[0].hdr.flags & RTP_FLAG_BOOT, 0);
    CHECK_EQ_U(s_rx[0].hdr.seq, 1); /* per-sender counter continues */
    tu_ping_req(&s_req, 4, 9);
    inject_msg(&s_req, 1);
    CHECK_EQ_U(run_app(), 1);
    CHECK_EQ_U(s_rx[0].hdr.flags, 0);
    CHECK_EQ_U(s_rx[0].hdr.seq, 2);
}

static void t_hello_reply_fields(void)
{
    boot();
    fake_port_set_ticks(123456, 1);
    tu_hello_req(&s_req, 77, 3, 1024); /* host speaks up to 3: we answer 1 */
    inject_msg(&s_req, 0);
    CHECK_EQ_U(run_app(), 1);
    const tu_rx_t *r = &s_rx[0];
    CHECK_EQ_U(r->status, RTP_DECODE_OK);
    CHECK_EQ_U(r->msg.type, RTP_MSG_HELLO);
    CHECK_EQ_U(r->msg.id, 77);
    CHECK_EQ_U(r->hdr.channel, RTP_CHANNEL_CONTROL);
    const rtp_hello_info_t *h = &r->msg.body.hello_info;
    CHECK_EQ_U(h->proto, 1);
    CHECK_EQ_U(h->max_frame, 4096);
    CHECK(tu_str_eq(h->board, FAKE_BOARD));
    CHECK(tu_str_eq(h->firmware, RTINFER_FW_VERSION));
    CHECK(tu_str_eq(h->device_id, FAKE_DEVICE_ID));
    CHECK_EQ_U(h->clock_hz, FAKE_CLOCK_HZ);
    CHECK_EQ_U(h->caps, RTP_CAP_MODEL_STORE | RTP_CAP_DENSE | RTP_CAP_TREC | RTP_CAP_TASKSETS | RTP_CAP_TRACE | RTP_CAP_INT8);
    CHECK_EQ_U(h->ram, RTINFER_NN_ARENA_BYTES);
    /* Each slot's last block holds the store's trailer. */
    CHECK_EQ_U(h->slot_size, POSIX_FLASH_SLOT_BYTES - MODEL_BLOCK_BYTES);
    CHECK_EQ_U(h->slots, POSIX_FLASH_SLOTS);
    CHECK_EQ_U(h->boot_id, app_boot_id());
    CHECK(h->uptime >= 123456);
}

static void t_hello_max_frame_exchange(void)
{
    boot();
    /* Before HELLO the device accepts 256-byte frames only. */
    static uint8_t pad[600];
    tu_ping_req(&s_req, 10, 1);
    s_req.body.ping_req.has_pad = true;
    s_req.body.ping_req.pad.ptr = pad;
    s_req.body.ping_req.pad.len = 300;
    inject_msg(&s_req, 0);
    CHECK_EQ_U(run_app(), 0);
    tu_hello_req(&s_req, 11, 1, 512);
    inject_msg(&s_req, 1);
    CHECK_EQ_U(run_app(), 1);
    CHECK_EQ_U(s_rx[0].msg.body.hello_info.max_frame, 4096);
    /* After it: up to its own max_frame (4096). */
    tu_ping_req(&s_req, 12, 1);
    s_req.body.ping_req.has_pad = true;
    s_req.body.ping_req.pad.ptr = pad;
    s_req.body.ping_req.pad.len = 600;
    inject_msg(&s_req, 2);
    CHECK_EQ_U(run_app(), 1);
    CHECK_EQ_U(s_rx[0].msg.id, 12);
    const uint64_t *c = ping_counters(13, 3);
    CHECK_EQ_U(c[C_OVERSIZE], 1);
    CHECK_EQ_U(c[C_OK], 3);

    /* A smaller advertised max_frame (the sim's --max-frame). */
    app_config_t cfg = {.max_frame = 300};
    app_init(&cfg);
    tu_host_init(&s_host);
    CHECK_EQ_U(take_replies(), 1);
    CHECK_EQ_U(s_rx[0].msg.body.hello_info.max_frame, 300);
    tu_hello_req(&s_req, 14, 1, 4096);
    inject_msg(&s_req, 0);
    CHECK_EQ_U(run_app(), 1);
    tu_ping_req(&s_req, 15, 1);
    s_req.body.ping_req.has_pad = true;
    s_req.body.ping_req.pad.ptr = pad;
    s_req.body.ping_req.pad.len = 400; /* frame > 300 */
    inject_msg(&s_req, 1);
    CHECK_EQ_U(run_app(), 0);
    c = ping_counters(16, 2);
    CHECK_EQ_U(c[C_OVERSIZE], 1);
}

static void t_hello_version_error(void)
{
    boot();
    /* [1, 9, {0: 0, 1: 4096}]: the host's proto 0 is below our lowest. */
    const uint8_t msg[] = {0x83, 0x01, 0x09, 0xA2, 0x00, 0x00, 0x01, 0x19, 0x10, 0x00};
    inject_raw(msg, sizeof msg, 0);
    CHECK_EQ_U(run_app(), 1);
    check_error(&s_rx[0], 9, RTP_ERR_VERSION, RTP_MSG_HELLO);
    CHECK(s_rx[0].msg.body.error.has_have);
    CHECK_EQ_U(s_rx[0].msg.body.error.have, 1);
    /* A HELLO broken otherwise ([1, 10, {0: 1}]: no max_frame) is malformed. */
    const uint8_t msg2[] = {0x83, 0x01, 0x0A, 0xA1, 0x00, 0x01};
    inject_raw(msg2, sizeof msg2, 1);
    CHECK_EQ_U(run_app(), 1);
    check_error(&s_rx[0], 10, RTP_ERR_MALFORMED, RTP_MSG_HELLO);
}

static void t_ping_reply(void)
{
    boot();
    fake_port_set_ticks(5000, 10);
    tu_ping_req(&s_req, 5, 0x1122334455667788ull);
    inject_msg(&s_req, 0);
    CHECK_EQ_U(run_app(), 1);
    const tu_rx_t *r = &s_rx[0];
    CHECK_EQ_U(r->status, RTP_DECODE_OK);
    CHECK_EQ_U(r->msg.type, RTP_MSG_PING);
    CHECK_EQ_U(r->msg.id, 5);
    const rtp_ping_reply_t *p = &r->msg.body.ping_reply;
    CHECK_EQ_U(p->t1, 0x1122334455667788ull);
    CHECK_EQ_U(p->t2, 5000); /* ticks when the bytes completing the frame were read */
    CHECK(p->t2 <= p->t3);
    CHECK(p->t3 > p->t2); /* the scripted clock advances on every read */
    CHECK(p->has_counters);
    CHECK_EQ_U(p->counter_count, 9);
    CHECK_EQ_U(p->counters[C_OK], 1);
    for (unsigned i = 1; i < 9; i++) {
        CHECK_EQ_U(p->counters[i], 0);
    }
    /* Counter order: make one crc, one malformed and one unsupported. */
    const uint8_t bad_cbor[] = {0xFF};
    inject_raw(bad_cbor, sizeof bad_cbor, 1);
    const uint8_t unknown[] = {0x83, 0x18, 0x55, 0x01, 0xA0};
    inject_raw(unknown, sizeof unknown, 2);
    uint8_t frame[64];
    size_t fl = make_frame(1, bad_cbor, 1, frame);
    frame[5] ^= 1;
    inject_frame_bytes(frame, fl);
    CHECK_EQ_U(run_app(), 2); /* two ERRORs; the bad CRC is silent */
    const uint64_t *c = ping_counters(6, 3);
    const uint64_t want[9] = {4, 0, 0, 1, 0, 0, 0, 1, 1};
    for (unsigned i = 0; i < 9; i++) {
        CHECK_EQ_U(c[i], want[i]);
    }
    uint64_t mine[APP_COUNTERS_N];
    CHECK_EQ_U(app_counters(mine), 9);
    CHECK_EQ_U(mine[C_MALFORMED], 1);
    CHECK_EQ_U(mine[C_UNSUPPORTED], 1);
}

static void t_unknown_type_unsupported(void)
{
    boot();
    const uint8_t msg[] = {0x83, 0x18, 0x55, 0x18, 0x2A, 0xA0}; /* [0x55, 42, {}] */
    inject_raw(msg, sizeof msg, 0);
    CHECK_EQ_U(run_app(), 1);
    check_error(&s_rx[0], 42, RTP_ERR_UNSUPPORTED, 0x55);
    /* D->H-only types are unknown in the H->D direction. */
    const uint8_t msg2[] = {0x83, 0x18, 0x21, 0x18, 0x2B, 0xA0}; /* [RESULT, 43, {}] */
    inject_raw(msg2, sizeof msg2, 1);
    CHECK_EQ_U(run_app(), 1);
    check_error(&s_rx[0], 43, RTP_ERR_UNSUPPORTED, 0x21);
    /* id 0: counted, never answered (SPEC §3.3). */
    const uint8_t msg3[] = {0x83, 0x18, 0x55, 0x00, 0xA0};
    inject_raw(msg3, sizeof msg3, 2);
    CHECK_EQ_U(run_app(), 0);
    uint64_t c[APP_COUNTERS_N];
    app_counters(c);
    CHECK_EQ_U(c[C_UNSUPPORTED], 3);
    CHECK_EQ_U(c[C_MALFORMED], 0);
}

/* Inference requests with no model pushed: each gets its typed answer, nothing is counted as
 * unsupported, and the device keeps serving. */
static void t_inference_without_model(void)
{
    boot();
    struct {
        uint8_t msg[16];
        size_t len;
        uint8_t type;
        uint32_t id;
        uint16_t code;
    } cases[] = {
        {{0x83, 0x18, 0x20, 0x09, 0xA2, 0x01, 0x00, 0x04, 0x00}, 9, RTP_MSG_INFER, 9, RTP_ERR_NO_MODEL},
        {{0x83, 0x18, 0x31, 0x0A, 0xA1, 0x00, 0x00}, 7, RTP_MSG_RUN, 10, RTP_ERR_BAD_STATE},
        /* TASKSET {0: [{0: 0, 1: 1, 2: 1, 4: 0}]} */
        {{0x83, 0x18, 0x30, 0x0B, 0xA1, 0x00, 0x81, 0xA4, 0x00, 0x00, 0x01, 0x01, 0x02, 0x01, 0x04, 0x00}, 16, RTP_MSG_TASKSET, 11, RTP_ERR_NO_MODEL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        inject_raw(cases[i].msg, cases[i].len, (uint16_t)i);
        CHECK_EQ_U(run_app(), 1);
        check_error(&s_rx[0], cases[i].id, cases[i].code, cases[i].type);
    }
    /* STOP with nothing running answers the (empty) summary of the last run. */
    const uint8_t stop[] = {0x83, 0x18, 0x32, 0x08, 0xA0};
    inject_raw(stop, sizeof stop, 3);
    CHECK_EQ_U(run_app(), 1);
    CHECK_EQ_U(s_rx[0].msg.type, RTP_MSG_STOP);
    CHECK_EQ_U(s_rx[0].msg.id, 8);
    CHECK_EQ_U(s_rx[0].msg.body.stop_reply.released, 0);
    /* A MODEL_CHUNK (id 0) with no transfer open cannot be placed: ERROR(bad_state), id 0. */
    const uint8_t chunk[] = {0x83, 0x11, 0x00, 0xA3, 0x00, 0x00, 0x01, 0x00, 0x02, 0x41, 0x55};
    inject_raw(chunk, sizeof chunk, 4);
    CHECK_EQ_U(run_app(), 1);
    check_error(&s_rx[0], 0, RTP_ERR_BAD_STATE, RTP_MSG_MODEL_CHUNK);
    uint64_t c[APP_COUNTERS_N];
    app_counters(c);
    CHECK_EQ_U(c[C_UNSUPPORTED], 0);
}

static void t_malformed_cbor(void)
{
    boot();
    const uint8_t brk[] = {0xFF}; /* stray break */
    inject_raw(brk, sizeof brk, 0);
    CHECK_EQ_U(run_app(), 1);
    check_error(&s_rx[0], 0, RTP_ERR_MALFORMED, -1);
    const uint8_t notarray[] = {0xA0}; /* {} */
    inject_raw(notarray, sizeof notarray, 1);
    CHECK_EQ_U(run_app(), 1);
    check_error(&s_rx[0], 0, RTP_ERR_MALFORMED, -1);
    const uint8_t trailing[] = {0x83, 0x02, 0x05, 0xA1, 0x00, 0x01, 0x00}; /* PING + a stray byte */
    inject_raw(trailing, sizeof trailing, 2);
    CHECK_EQ_U(run_app(), 1);
    CHECK_EQ_U(s_rx[0].msg.body.error.code, RTP_ERR_MALFORMED);
    const uint8_t tagged[] = {0x83, 0x02, 0x05, 0xC0, 0xA0}; /* a tag */
    inject_raw(tagged, sizeof tagged, 3);
    CHECK_EQ_U(run_app(), 1);
    CHECK_EQ_U(s_rx[0].msg.body.error.code, RTP_ERR_MALFORMED);
    uint64_t c[APP_COUNTERS_N];
    app_counters(c);
    CHECK_EQ_U(c[C_MALFORMED], 4);
    CHECK_EQ_U(c[C_OK], 4);
}

static void t_malformed_schema(void)
{
    boot();
    const uint8_t no_t1[] = {0x83, 0x02, 0x18, 0x21, 0xA0}; /* [2, 33, {}] */
    inject_raw(no_t1, sizeof no_t1, 0);
    CHECK_EQ_U(run_app(), 1);
    check_error(&s_rx[0], 33, RTP_ERR_MALFORMED, RTP_MSG_PING);
    const uint8_t t1_text[] = {0x83, 0x02, 0x18, 0x22, 0xA1, 0x00, 0x61, 0x78}; /* t1: "x" */
    inject_raw(t1_text, sizeof t1_text, 1);
    CHECK_EQ_U(run_app(), 1);
    check_error(&s_rx[0], 34, RTP_ERR_MALFORMED, RTP_MSG_PING);
    /* HELLO max_frame 255 (< 256) */
    const uint8_t small[] = {0x83, 0x01, 0x18, 0x23, 0xA2, 0x00, 0x01, 0x01, 0x18, 0xFF};
    inject_raw(small, sizeof small, 2);
    CHECK_EQ_U(run_app(), 1);
    check_error(&s_rx[0], 35, RTP_ERR_MALFORMED, RTP_MSG_HELLO);
    /* Unknown keys are ignored: [2, 36, {0: 1, 9: "zz"}] is a fine PING. */
    const uint8_t extra[] = {0x83, 0x02, 0x18, 0x24, 0xA2, 0x00, 0x01, 0x09, 0x62, 0x7A, 0x7A};
    inject_raw(extra, sizeof extra, 3);
    CHECK_EQ_U(run_app(), 1);
    CHECK_EQ_U(s_rx[0].msg.type, RTP_MSG_PING);
    CHECK_EQ_U(s_rx[0].msg.id, 36);
}

static void t_frame_errors_silent(void)
{
    boot();
    const uint8_t shortrun[] = {0x02, 0x41, 0x00}; /* decodes to 1 byte */
    fake_port_inject(shortrun, sizeof shortrun);
    const uint8_t badcobs[] = {0x05, 0x41, 0x42, 0x00}; /* code points past the end */
    fake_port_inject(badcobs, sizeof badcobs);
    const uint8_t ping[] = {0x83, 0x02, 0x01, 0xA1, 0x00, 0x01};
    uint8_t frame[64];
    size_t fl = make_frame(1, ping, sizeof ping, frame);
    frame[7] ^= 0x10; /* corrupt the message: CRC mismatch */
    inject_frame_bytes(frame, fl);
    fl = make_frame(2, ping, sizeof ping, frame); /* good CRC, version 2 */
    inject_frame_bytes(frame, fl);
    static uint8_t pad[300];
    tu_ping_req(&s_req, 1, 1);
    s_req.body.ping_req.has_pad = true;
    s_req.body.ping_req.pad.ptr = pad;
    s_req.body.ping_req.pad.len = sizeof pad; /* > 256 before HELLO */
    inject_msg(&s_req, 0);
    const uint8_t junk[] = {0x00, 0x00, 0x00}; /* empty frames: not counted */
    fake_port_inject(junk, sizeof junk);
    CHECK_EQ_U(run_app(), 0);
    const uint8_t *out;
    CHECK_EQ_U(fake_port_take_output(&out), 0);
    /* Sequence: the first valid frame sets the expectation; 10 -> 13 loses 2. */
    tu_ping_req(&s_req, 2, 1);
    inject_msg(&s_req, 10);
    CHECK_EQ_U(run_app(), 1);
    const uint64_t *c = ping_counters(3, 13);
    const uint64_t want[9] = {2, 1, 1, 1, 1, 1, 2, 0, 0};
    for (unsigned i = 0; i < 9; i++) {
        CHECK_EQ_U(c[i], want[i]);
    }
}

static void t_hello_new_session_seq(void)
{
    boot();
    for (uint16_t i = 0; i < 5; i++) {
        tu_ping_req(&s_req, 40u + i, 1);
        inject_msg(&s_req, i);
    }
    CHECK_EQ_U(run_app(), 5);
    /* A new host session restarts its sequence at 0: not 65531 lost frames. */
    tu_hello_req(&s_req, 50, 1, 4096);
    inject_msg(&s_req, 0);
    CHECK_EQ_U(run_app(), 1);
    const uint64_t *c = ping_counters(51, 1);
    CHECK_EQ_U(c[C_LOST], 0);
    CHECK_EQ_U(c[C_OK], 7);
    /* Real gaps after it still count. */
    c = ping_counters(52, 5);
    CHECK_EQ_U(c[C_LOST], 3);
}

static void t_split_reads(void)
{
    boot();
    fake_port_set_read_limit(1);
    tu_hello_req(&s_req, 21, 1, 4096);
    size_t n = tu_wire_msg(&s_req, 0, s_wire, sizeof s_wire);
    /* Deliver the frame in three separate polls, one byte per read. */
    fake_port_inject(s_wire, 3);
    CHECK_EQ_U(run_app(), 0);
    fake_port_inject(s_wire + 3, n - 4);
    CHECK_EQ_U(run_app(), 0);
    fake_port_inject(s_wire + n - 1, 1); /* the delimiter completes it */
    CHECK_EQ_U(run_app(), 1);
    CHECK_EQ_U(s_rx[0].msg.type, RTP_MSG_HELLO);
    CHECK_EQ_U(s_rx[0].msg.id, 21);
    CHECK_EQ_U(fake_port_reads(), n);
    /* Two frames split at odd boundaries (read limit 5). */
    fake_port_set_read_limit(5);
    tu_ping_req(&s_req, 22, 100);
    size_t a = tu_wire_msg(&s_req, 1, s_wire, sizeof s_wire);
    tu_ping_req(&s_req, 23, 200);
    size_t b = tu_wire_msg(&s_req, 2, s_wire + a, sizeof s_wire - a);
    fake_port_inject(s_wire, a + b);
    CHECK_EQ_U(run_app(), 2);
    CHECK_EQ_U(s_rx[0].msg.id, 22);
    CHECK_EQ_U(s_rx[0].msg.body.ping_reply.t1, 100);
    CHECK_EQ_U(s_rx[1].msg.id, 23);
    CHECK_EQ_U(s_rx[1].msg.body.ping_reply.t1, 200);
}

static void t_several_frames_one_read(void)
{
    boot();
    size_t off = 0;
    for (uint32_t i = 0; i < 5; i++) {
        tu_ping_req(&s_req, 100 + i, i);
        off += tu_wire_msg(&s_req, (uint16_t)i, s_wire + off, sizeof s_wire - off);
    }
    fake_port_inject(s_wire, off);
    CHECK_EQ_U(run_app(), 5);
    for (uint32_t i = 0; i < 5; i++) {
        CHECK_EQ_U(s_rx[i].msg.id, 100 + i);
        CHECK_EQ_U(s_rx[i].hdr.seq, 1 + i);
    }
    CHECK_EQ_U(fake_port_reads(), 1);
}

static void t_reset_reinitialises(void)
{
    boot();
    uint32_t first = app_boot_id();
    tu_hello_req(&s_req, 1, 1, 4096);
    inject_msg(&s_req, 0);
    CHECK_EQ_U(run_app(), 1);
    const uint8_t bad[] = {0xFF};
    inject_raw(bad, 1, 1);
    CHECK_EQ_U(run_app(), 1);
    /* What a board does on port_reset(): app_init() again. */
    jmp_buf env;
    fake_port_set_reset_target(&env);
    if (setjmp(env) == 0) {
        port_reset();
    }
    fake_port_set_reset_target(NULL);
    CHECK_EQ_U(fake_port_resets(), 1);
    app_init(NULL);
    CHECK_EQ_U(take_replies(), 1);
    CHECK_EQ_U(s_rx[0].hdr.flags & RTP_FLAG_BOOT, RTP_FLAG_BOOT);
    CHECK_EQ_U(s_rx[0].hdr.seq, 0);
    CHECK_EQ_U(s_rx[0].msg.id, 0);
    CHECK(app_boot_id() != first);
    CHECK_EQ_U(s_rx[0].msg.body.hello_info.boot_id, app_boot_id());
    uint64_t c[APP_COUNTERS_N];
    app_counters(c);
    for (unsigned i = 0; i < APP_COUNTERS_N; i++) {
        CHECK_EQ_U(c[i], 0);
    }
    /* The 256-byte pre-HELLO limit applies again. */
    static uint8_t pad[300];
    tu_ping_req(&s_req, 2, 1);
    s_req.body.ping_req.has_pad = true;
    s_req.body.ping_req.pad.ptr = pad;
    s_req.body.ping_req.pad.len = sizeof pad;
    inject_msg(&s_req, 5);
    CHECK_EQ_U(run_app(), 0);
}

static void t_boot_id_changes(void)
{
    uint32_t ids[4];
    for (unsigned i = 0; i < 4; i++) {
        app_init(NULL);
        ids[i] = app_boot_id();
        CHECK_EQ_U(bootid_count(), i + 1);
        for (unsigned j = 0; j < i; j++) {
            CHECK(ids[j] != ids[i]);
        }
    }
    /* The counter persists in storage across "power cycles". */
    posix_flash_close();
    temp_flash_reopen(s_flash_path);
    app_init(NULL);
    CHECK_EQ_U(bootid_count(), 5);
    /* Even with the same clock, a new boot gets a new id. */
    fake_port_set_ticks(42, 0);
    app_init(NULL);
    uint32_t a = app_boot_id();
    fake_port_set_ticks(42, 0);
    app_init(NULL);
    CHECK(app_boot_id() != a);
    /* A full metadata log is compacted, and counting goes on. */
    const port_storage_map_t *m = port_storage_map();
    const port_sector_t *meta = &m->sectors[2];
    CHECK_EQ_U(meta->use, PORT_SECTOR_META);
    CHECK_EQ_U(port_storage_erase(2), PORT_STORAGE_OK);
    /* Fill the log with boot records valued up to 1000, last one 1000. */
    for (uint32_t off = 0; off < meta->size; off += 8) {
        uint32_t v = 1000 - (meta->size - off) / 8 + 1;
        uint8_t rec[8] = {0x01, 0x00, 0xFE, 0xFF, (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
                          (uint8_t)(v >> 24)};
        CHECK_EQ_U(port_storage_program(meta->addr + off, rec, 8), PORT_STORAGE_OK);
    }
    app_init(NULL);
    CHECK_EQ_U(bootid_count(), 1001);
    uint8_t head[16];
    CHECK_EQ_U(port_storage_read(meta->addr, head, sizeof head), PORT_STORAGE_OK);
    CHECK_EQ_U(head[4] | head[5] << 8, 1001);
    CHECK_EQ_U(head[8], 0xFF); /* rest erased */
}

static void t_flash_erase_program(void)
{
    const port_storage_map_t *m = port_storage_map();
    CHECK_EQ_U(m->sector_count, 3);
    CHECK_EQ_U(m->size, POSIX_FLASH_SIZE);
    CHECK_EQ_U(m->write_unit, 1);
    uint8_t buf[64];
    CHECK_EQ_U(port_storage_erase(1), PORT_STORAGE_OK);
    CHECK_EQ_U(port_storage_read(m->sectors[1].addr + 100, buf, sizeof buf), PORT_STORAGE_OK);
    for (size_t i = 0; i < sizeof buf; i++) {
        CHECK_EQ_U(buf[i], 0xFF);
    }
    const uint8_t data[4] = {0xDE, 0xAD, 0xBE, 0xEF};
    uint32_t a = m->sectors[1].addr + 10;
    CHECK_EQ_U(port_storage_program(a, data, 4), PORT_STORAGE_OK);
    CHECK_EQ_U(port_storage_read(a - 1, buf, 6), PORT_STORAGE_OK);
    CHECK_EQ_U(buf[0], 0xFF);
    CHECK(memcmp(buf + 1, data, 4) == 0);
    CHECK_EQ_U(buf[5], 0xFF);
    /* Programming the same value again, or clearing more bits, is fine. */
    CHECK_EQ_U(port_storage_program(a, data, 4), PORT_STORAGE_OK);
    const uint8_t less[4] = {0xDE & 0x0F, 0x00, 0xBE, 0xEF & 0xF0};
    CHECK_EQ_U(port_storage_program(a, less, 4), PORT_STORAGE_OK);
    CHECK_EQ_U(port_storage_read(a, buf, 4), PORT_STORAGE_OK);
    CHECK(memcmp(buf, less, 4) == 0);
    /* Erase brings back 0xFF in that sector only. */
    CHECK_EQ_U(port_storage_program(m->sectors[0].addr, data, 4), PORT_STORAGE_OK);
    CHECK_EQ_U(port_storage_erase(1), PORT_STORAGE_OK);
    CHECK_EQ_U(port_storage_read(a, buf, 4), PORT_STORAGE_OK);
    for (size_t i = 0; i < 4; i++) {
        CHECK_EQ_U(buf[i], 0xFF);
    }
    CHECK_EQ_U(port_storage_read(m->sectors[0].addr, buf, 4), PORT_STORAGE_OK);
    CHECK(memcmp(buf, data, 4) == 0);
    /* A program may span sectors. */
    CHECK_EQ_U(port_storage_erase(0), PORT_STORAGE_OK);
    CHECK_EQ_U(port_storage_program(m->sectors[1].addr - 2, data, 4), PORT_STORAGE_OK);
    CHECK_EQ_U(port_storage_read(m->sectors[1].addr - 2, buf, 4), PORT_STORAGE_OK);
    CHECK(memcmp(buf, data, 4) == 0);
}

static void t_flash_program_cannot_set_bits(void)
{
    const port_storage_map_t *m = port_storage_map();
    uint32_t a = m->sectors[0].addr + 4096;
    CHECK_EQ_U(port_storage_erase(0), PORT_STORAGE_OK);
    const uint8_t v1[3] = {0x30, 0xFF, 0x00};
    CHECK_EQ_U(port_storage_program(a, v1, 3), PORT_STORAGE_OK);
    /* 0x0F over 0x30 would set bits 0..3: refused, nothing written. */
    const uint8_t v2[3] = {0x00, 0x12, 0x0F};
    CHECK_EQ_U(port_storage_program(a, v2, 3), PORT_STORAGE_EBITS);
    uint8_t buf[3];
    CHECK_EQ_U(port_storage_read(a, buf, 3), PORT_STORAGE_OK);
    CHECK(memcmp(buf, v1, 3) == 0); /* not even the legal first bytes */
    const uint8_t one = 0x01;
    CHECK_EQ_U(port_storage_program(a + 2, &one, 1), PORT_STORAGE_EBITS);
    const uint8_t ff = 0xFF;
    CHECK_EQ_U(port_storage_program(a, &ff, 1), PORT_STORAGE_EBITS);
    /* After an erase the same write succeeds. */
    CHECK_EQ_U(port_storage_erase(0), PORT_STORAGE_OK);
    CHECK_EQ_U(port_storage_program(a, v2, 3), PORT_STORAGE_OK);
    CHECK_EQ_U(port_storage_read(a, buf, 3), PORT_STORAGE_OK);
    CHECK(memcmp(buf, v2, 3) == 0);
}

static void t_flash_bounds_and_persistence(void)
{
    const port_storage_map_t *m = port_storage_map();
    uint8_t buf[8] = {0};
    CHECK_EQ_U(port_storage_read(m->size - 4, buf, 8), PORT_STORAGE_ERANGE);
    CHECK_EQ_U(port_storage_read(UINT32_MAX, buf, 2), PORT_STORAGE_ERANGE);
    CHECK_EQ_U(port_storage_program(m->size, buf, 1), PORT_STORAGE_ERANGE);
    CHECK_EQ_U(port_storage_erase(m->sector_count), PORT_STORAGE_ERANGE);
    CHECK_EQ_U(port_storage_read(m->size - 8, buf, 8), PORT_STORAGE_OK);
    /* Sectors tile the space; 2 slots of 256 KiB and a metadata sector. */
    uint32_t next = 0;
    for (uint16_t i = 0; i < m->sector_count; i++) {
        CHECK_EQ_U(m->sectors[i].addr, next);
        next += m->sectors[i].size;
    }
    CHECK_EQ_U(next, m->size);
    CHECK_EQ_U(m->sectors[0].use, PORT_SECTOR_SLOT);
    CHECK_EQ_U(m->sectors[1].slot, 1);
    CHECK_EQ_U(m->sectors[2].use, PORT_SECTOR_META);
    /* Contents persist in the file across close/open. */
    const uint8_t data[5] = {1, 2, 3, 4, 5};
    CHECK_EQ_U(port_storage_erase(2), PORT_STORAGE_OK);
    CHECK_EQ_U(port_storage_program(m->sectors[2].addr + 3, data, 5), PORT_STORAGE_OK);
    /* The file is locked while open: a second sim cannot use it. */
    int fd = open(s_flash_path, O_RDWR);
    CHECK(fd >= 0);
    CHECK(flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK);
    close(fd);
    posix_flash_close();
    CHECK_EQ_U(port_storage_map()->sector_count, 0);
    CHECK_EQ_U(port_storage_read(0, buf, 1), PORT_STORAGE_ERANGE);
    temp_flash_reopen(s_flash_path);
    m = port_storage_map();
    CHECK_EQ_U(port_storage_read(m->sectors[2].addr + 3, buf, 5), PORT_STORAGE_OK);
    CHECK(memcmp(buf, data, 5) == 0);
    /* A file of the wrong size is reformatted to all 0xFF. */
    posix_flash_close();
    CHECK(truncate(s_flash_path, 1000) == 0);
    temp_flash_reopen(s_flash_path);
    CHECK_EQ_U(port_storage_read(m->sectors[2].addr + 3, buf, 5), PORT_STORAGE_OK);
    for (unsigned i = 0; i < 5; i++) {
        CHECK_EQ_U(buf[i], 0xFF);
    }
}

/* The app must stay portable: only port.h, protocol/c, its own headers and
 * a few freestanding C headers. */
static void t_app_sources_portable(void)
{
    const char *dir = getenv("RTINFER_FW_APP_DIR");
    CHECK(dir != NULL);
    if (dir == NULL) {
        return;
    }
    static const char *allowed[] = {"<stdint.h>", "<stddef.h>", "<stdbool.h>", "<string.h>"};
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    if (d == NULL) {
        return;
    }
    unsigned files = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 3 || (strcmp(e->d_name + n - 2, ".c") != 0 && strcmp(e->d_name + n - 2, ".h") != 0)) {
            continue;
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "r");
        CHECK(f != NULL);
        if (f == NULL) {
            continue;
        }
        files++;
        char line[512];
        while (fgets(line, sizeof line, f) != NULL) {
            const char *p = line;
            while (*p == ' ' || *p == '\t') {
                p++;
            }
            if (strncmp(p, "#include", 8) != 0) {
                continue;
            }
            p += 8;
            while (*p == ' ') {
                p++;
            }
            bool ok = false;
            if (*p == '"') {
                ok = true; /* port.h, rtp/..., the app's own headers */
            }
            for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
                ok = ok || strncmp(p, allowed[i], strlen(allowed[i])) == 0;
            }
            if (!ok) {
                fprintf(stderr, "%s: non-portable include: %s", path, line);
                tu_failures++;
            }
        }
        fclose(f);
    }
    closedir(d);
    CHECK(files >= 10);
}

/* ----------------------------------------------------------------- main -- */

static const tu_case_t k_cases[] = {
    {"boot_hello", t_boot_hello},
    {"boot_flag_until_valid_frame", t_boot_flag_until_valid_frame},
    {"hello_reply_fields", t_hello_reply_fields},
    {"hello_max_frame_exchange", t_hello_max_frame_exchange},
    {"hello_version_error", t_hello_version_error},
    {"ping_reply", t_ping_reply},
    {"unknown_type_unsupported", t_unknown_type_unsupported},
    {"inference_without_model", t_inference_without_model},
    {"malformed_cbor", t_malformed_cbor},
    {"malformed_schema", t_malformed_schema},
    {"frame_errors_silent", t_frame_errors_silent},
    {"hello_new_session_seq", t_hello_new_session_seq},
    {"split_reads", t_split_reads},
    {"several_frames_one_read", t_several_frames_one_read},
    {"reset_reinitialises", t_reset_reinitialises},
    {"boot_id_changes", t_boot_id_changes},
    {"flash_erase_program", t_flash_erase_program},
    {"flash_program_cannot_set_bits", t_flash_program_cannot_set_bits},
    {"flash_bounds_and_persistence", t_flash_bounds_and_persistence},
    {"app_sources_portable", t_app_sources_portable},
};

int main(int argc, char **argv)
{
    return tu_main(argc, argv, k_cases, sizeof k_cases / sizeof k_cases[0], setup, teardown);
}
