/*
 * The device's side of three wire rules (issue 11 §3), on the fake port and the POSIX flash model:
 *   - every message leaves on its SPEC §2.1 channel: the MODEL_ACK answering MODEL_BEGIN on control,
 *     the id-0 MODEL_ACK on bulk, the ERROR for a chunk on control;
 *   - an ERROR carries the request's id whenever it can be read (SPEC §3.4), whatever else is wrong;
 *   - a request with id 0 draws no reply, PING included (SPEC §3.3).
 *
 *   fw_wire_rules_tests <case> | all
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "fake_port.h"
#include "posix_flash.h"
#include "temp_flash.h"
#include "test_util.h"

#define MAX_RX 16

static char s_flash_path[4096];
static tu_host_t s_host;
static tu_rx_t s_rx[MAX_RX];
static uint8_t s_wire[8192];
static rtp_msg_t s_req;
static uint16_t s_seq;

enum { C_OK, C_MALFORMED = 7, C_UNSUPPORTED = 8 };

static void setup(void)
{
    temp_flash_create(s_flash_path, sizeof s_flash_path, "fw-wire");
    fake_port_reset_state();
    tu_host_init(&s_host);
    s_seq = 0;
}

static void teardown(void)
{
    temp_flash_remove(s_flash_path);
}

static size_t run_app(void)
{
    (void)app_poll();
    const uint8_t *out;
    size_t n = fake_port_take_output(&out);
    return tu_host_feed(&s_host, out, n, s_rx, MAX_RX);
}

static void send_msg(const rtp_msg_t *m)
{
    fake_port_inject(s_wire, tu_wire_msg(m, s_seq++, s_wire, sizeof s_wire));
}

static void send_raw(const uint8_t *msg, size_t len)
{
    fake_port_inject(s_wire, tu_wire_raw(msg, len, s_seq++, s_wire, sizeof s_wire));
}

/* Boots, and completes a HELLO with a host that accepts 4096-byte frames. */
static void boot_and_hello(void)
{
    app_init(NULL);
    (void)run_app(); /* the boot HELLO */
    tu_hello_req(&s_req, 1, 1, 4096);
    send_msg(&s_req);
    CHECK_EQ_U(run_app(), 1);
    CHECK_EQ_U(s_rx[0].msg.type, RTP_MSG_HELLO);
}

static void check_reply(const tu_rx_t *r, uint8_t type, uint32_t id, uint8_t channel)
{
    CHECK_EQ_U(r->status, RTP_DECODE_OK);
    CHECK_EQ_U(r->msg.type, type);
    CHECK_EQ_U(r->msg.id, id);
    CHECK_EQ_U(r->hdr.channel, channel);
    CHECK_EQ_U(r->hdr.channel, rtp_msg_channel(type, id));
}

static void t_model_ack_channels(void)
{
    boot_and_hello();
    static uint8_t container[1024];
    static const uint8_t sha[32];
    memset(container, 0x5A, sizeof container);
    memset(&s_req, 0, sizeof s_req);
    s_req.type = RTP_MSG_MODEL_BEGIN;
    s_req.id = 10;
    s_req.dir = RTP_DIR_H2D;
    rtp_model_begin_t *b = &s_req.body.model_begin;
    b->model_id = (rtp_str_t){"m", 1};
    b->size = sizeof container;
    b->has_sha256 = true;
    b->sha256 = (rtp_bytes_t){sha, sizeof sha};
    b->chunk = 1024;
    b->window = 1;
    send_msg(&s_req);
    CHECK_EQ_U(run_app(), 1);
    check_reply(&s_rx[0], RTP_MSG_MODEL_ACK, 10, RTP_CHANNEL_CONTROL); /* a reply, as the vector model_ack_begin_reply */
    uint8_t slot = s_rx[0].msg.body.model_ack.slot;
    CHECK_EQ_U(s_rx[0].msg.body.model_ack.chunk, 1024);

    memset(&s_req, 0, sizeof s_req);
    s_req.type = RTP_MSG_MODEL_CHUNK;
    s_req.dir = RTP_DIR_H2D;
    s_req.body.model_chunk.slot = slot;
    s_req.body.model_chunk.offset = 0;
    s_req.body.model_chunk.data = (rtp_bytes_t){container, sizeof container};
    send_msg(&s_req);
    CHECK_EQ_U(run_app(), 1);
    check_reply(&s_rx[0], RTP_MSG_MODEL_ACK, 0, RTP_CHANNEL_BULK); /* acknowledges the chunk: as the vector model_ack */
    CHECK_EQ_U(s_rx[0].msg.body.model_ack.next, sizeof container);

    /* A chunk the device cannot place draws an ERROR with id 0, and ERRORs travel on control. */
    s_req.body.model_chunk.offset = 4096;
    send_msg(&s_req);
    CHECK_EQ_U(run_app(), 1);
    check_reply(&s_rx[0], RTP_MSG_ERROR, 0, RTP_CHANNEL_CONTROL);
}

static void t_error_carries_readable_id(void)
{
    boot_and_hello();
    struct {
        uint8_t msg[16];
        size_t len;
        uint32_t id;
        uint16_t code;
        int type; /* the `type` fact, -1: absent */
    } cases[] = {
        {{0x83, 0x19, 0x01, 0x2C, 0x18, 0x2A, 0xA0}, 7, 42, RTP_ERR_MALFORMED, -1},    /* [300, 42, {}] */
        {{0x83, 0x61, 0x70, 0x18, 0x2B, 0xA0}, 6, 43, RTP_ERR_MALFORMED, -1},          /* ["p", 43, {}] */
        {{0x83, 0x18, 0x55, 0x18, 0x2C, 0xA0}, 6, 44, RTP_ERR_UNSUPPORTED, 0x55},      /* [0x55, 44, {}] */
        {{0x83, 0x01, 0x18, 0x2D, 0xA3, 0x00, 0x01}, 7, 45, RTP_ERR_MALFORMED, 0x01},  /* truncated HELLO */
        {{0x83, 0x02, 0x18, 0x2E, 0xA0, 0x00}, 6, 46, RTP_ERR_MALFORMED, 0x02},        /* trailing byte */
        {{0x82, 0x02, 0x18, 0x2F}, 4, 47, RTP_ERR_MALFORMED, 0x02},                    /* [2, 47]: no body */
        {{0x83, 0xF9, 0x3C, 0x00, 0x18, 0x30, 0xA0}, 7, 48, RTP_ERR_MALFORMED, -1},    /* type 1.0 (a float) */
        {{0x9F, 0x02, 0x18, 0x31, 0xA0, 0xFF}, 6, 0, RTP_ERR_MALFORMED, -1},           /* indefinite: unreadable */
        {{0x83, 0x02, 0x1B, 0, 0, 0, 1, 0, 0, 0, 0, 0xA0}, 12, 0, RTP_ERR_MALFORMED, 0x02}, /* id 2^32 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        send_raw(cases[i].msg, cases[i].len);
        CHECK_EQ_U(run_app(), 1);
        const tu_rx_t *r = &s_rx[0];
        check_reply(r, RTP_MSG_ERROR, cases[i].id, RTP_CHANNEL_CONTROL);
        CHECK_EQ_U(r->msg.body.error.code, cases[i].code);
        CHECK_EQ_U(r->msg.body.error.has_type, cases[i].type >= 0);
        if (cases[i].type >= 0) {
            CHECK_EQ_U(r->msg.body.error.type, cases[i].type);
        }
    }
}

static void t_id_zero_requests_unanswered(void)
{
    boot_and_hello();
    tu_ping_req(&s_req, 0, 7);
    send_msg(&s_req);
    CHECK_EQ_U(run_app(), 0); /* id 0 means "no reply expected", and that wins */
    tu_hello_req(&s_req, 0, 1, 4096);
    send_msg(&s_req);
    CHECK_EQ_U(run_app(), 0);
    const uint8_t infer0[] = {0x83, 0x18, 0x20, 0x00, 0xA2, 0x01, 0x00, 0x04, 0x00}; /* INFER id 0 */
    send_raw(infer0, sizeof infer0);
    CHECK_EQ_U(run_app(), 0);
    /* The device is fine: the next PING with an id is answered, and the counters tell what happened. */
    tu_ping_req(&s_req, 9, 8);
    send_msg(&s_req);
    CHECK_EQ_U(run_app(), 1);
    check_reply(&s_rx[0], RTP_MSG_PING, 9, RTP_CHANNEL_CONTROL);
    const rtp_ping_reply_t *p = &s_rx[0].msg.body.ping_reply;
    CHECK_EQ_U(p->t1, 8);
    CHECK_EQ_U(p->counters[C_OK], 5);          /* HELLO, PING 0, HELLO 0, INFER 0, PING 9 */
    CHECK_EQ_U(p->counters[C_MALFORMED], 0);
    CHECK_EQ_U(p->counters[C_UNSUPPORTED], 1); /* the INFER: a request nobody waits for is not acted on */
}

static const tu_case_t k_cases[] = {
    {"model_ack_channels", t_model_ack_channels},
    {"error_carries_readable_id", t_error_carries_readable_id},
    {"id_zero_requests_unanswered", t_id_zero_requests_unanswered},
};

int main(int argc, char **argv)
{
    return tu_main(argc, argv, k_cases, sizeof k_cases / sizeof k_cases[0], setup, teardown);
}
