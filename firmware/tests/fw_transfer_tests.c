/*
 * The device's side of a model transfer through the whole app (SPEC §4.3): when
 * MODEL_ACKs go out, and which ERROR a chunk the device cannot place draws.
 * The app runs on the fake port with the POSIX flash model on a temp file.
 *
 *   fw_transfer_tests <case>     run one case (ctest registers each)
 *   fw_transfer_tests all        run every case
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "fake_port.h"
#include "handlers.h"
#include "model_store.h"
#include "posix_flash.h"
#include "temp_flash.h"
#include "test_util.h"

#define MAX_RX 8
#define CONTAINER_BYTES (8u * MODEL_BLOCK_BYTES)

static char s_flash_path[4096];
static tu_host_t s_host;
static tu_rx_t s_rx[MAX_RX];
static uint8_t s_wire[8192];
static uint8_t s_data[CONTAINER_BYTES];
static rtp_msg_t s_req;

static void setup(void)
{
    temp_flash_create(s_flash_path, sizeof s_flash_path, "fw-transfer");
    fake_port_reset_state();
    tu_host_init(&s_host);
    model_transfer_set_gap_fill_ack(true);
    for (size_t i = 0; i < sizeof s_data; i++) {
        s_data[i] = (uint8_t)(i * 7u + 3u);
    }
}

static void teardown(void)
{
    temp_flash_remove(s_flash_path);
}

/* Runs the app on what was injected; decodes every message it wrote into s_rx. */
static size_t exchange(const rtp_msg_t *m)
{
    static uint16_t seq;
    size_t n = tu_wire_msg(m, seq++, s_wire, sizeof s_wire);
    fake_port_inject(s_wire, n);
    (void)app_poll();
    const uint8_t *out;
    size_t len = fake_port_take_output(&out);
    return tu_host_feed(&s_host, out, len, s_rx, MAX_RX);
}

/* Boots, agrees 4096-byte frames, and opens a transfer of CONTAINER_BYTES
 * into slot 0 with 1024-byte chunks and the given window. */
static void open_transfer(uint16_t window)
{
    app_init(NULL);
    const uint8_t *out;
    size_t len = fake_port_take_output(&out);
    CHECK_EQ_U(tu_host_feed(&s_host, out, len, s_rx, MAX_RX), 1); /* the boot HELLO */
    tu_hello_req(&s_req, 1, 1, 4096);
    CHECK_EQ_U(exchange(&s_req), 1);
    memset(&s_req, 0, sizeof s_req);
    s_req.type = RTP_MSG_MODEL_BEGIN;
    s_req.id = 2;
    s_req.dir = RTP_DIR_H2D;
    rtp_model_begin_t *b = &s_req.body.model_begin;
    b->model_id.ptr = "gaps";
    b->model_id.len = 4;
    b->size = CONTAINER_BYTES;
    static const uint8_t sha[32];
    b->has_sha256 = true;
    b->sha256.ptr = sha;
    b->sha256.len = sizeof sha;
    b->has_slot = true;
    b->slot = 0;
    b->chunk = MODEL_BLOCK_BYTES;
    b->window = window;
    CHECK_EQ_U(exchange(&s_req), 1);
    CHECK_EQ_U(s_rx[0].msg.type, RTP_MSG_MODEL_ACK);
    CHECK_EQ_U(s_rx[0].msg.body.model_ack.chunk, MODEL_BLOCK_BYTES);
    CHECK_EQ_U(s_rx[0].msg.body.model_ack.window, window);
}

/* Sends MODEL_CHUNK; returns how many messages the device answered with. */
static size_t send_chunk(uint8_t slot, uint32_t offset, size_t len)
{
    memset(&s_req, 0, sizeof s_req);
    s_req.type = RTP_MSG_MODEL_CHUNK;
    s_req.dir = RTP_DIR_H2D;
    s_req.body.model_chunk.slot = slot;
    s_req.body.model_chunk.offset = offset;
    s_req.body.model_chunk.data.ptr = s_data + (offset < sizeof s_data ? offset : 0);
    s_req.body.model_chunk.data.len = len;
    return exchange(&s_req);
}

static void check_ack(const tu_rx_t *r, uint32_t next, uint8_t sack_count, uint32_t sack_offset, uint32_t sack_length)
{
    CHECK_EQ_U(r->msg.type, RTP_MSG_MODEL_ACK);
    CHECK_EQ_U(r->msg.id, 0);
    CHECK_EQ_U(r->msg.body.model_ack.next, next);
    CHECK_EQ_U(r->msg.body.model_ack.sack_count, sack_count);
    if (sack_count > 0) {
        CHECK_EQ_U(r->msg.body.model_ack.sack[0].offset, sack_offset);
        CHECK_EQ_U(r->msg.body.model_ack.sack[0].length, sack_length);
    }
}

static void check_refusal(const tu_rx_t *r, uint16_t code, uint64_t need, uint64_t have)
{
    CHECK_EQ_U(r->msg.type, RTP_MSG_ERROR);
    CHECK_EQ_U(r->msg.id, 0);
    CHECK_EQ_U(r->msg.body.error.code, code);
    CHECK_EQ_U(r->msg.body.error.type, RTP_MSG_MODEL_CHUNK);
    CHECK_EQ_U(r->msg.body.error.need, need);
    CHECK_EQ_U(r->msg.body.error.have, have);
}

/* Issue 11 §3.1: after `next 0, sack [[2048, 2048]]` the chunk at 0 fills part of
 * the hole and is acknowledged at once, as is the one that closes it. */
static void t_gap_fill_acked_at_once(void)
{
    open_transfer(8);
    CHECK_EQ_U(send_chunk(0, 2048, 1024), 1); /* out of order: at once */
    check_ack(&s_rx[0], 0, 1, 2048, 1024);
    CHECK_EQ_U(send_chunk(0, 3072, 1024), 1);
    check_ack(&s_rx[0], 0, 1, 2048, 2048);
    CHECK_EQ_U(send_chunk(0, 0, 1024), 1); /* in order, but fills part of the hole */
    check_ack(&s_rx[0], 1024, 1, 2048, 2048);
    CHECK_EQ_U(send_chunk(0, 1024, 1024), 1); /* closes it */
    check_ack(&s_rx[0], 4096, 0, 0, 0);
    CHECK_EQ_U(send_chunk(0, 4096, 1024), 0); /* no hole left: the usual cadence again */
    CHECK_EQ_U(send_chunk(0, 5120, 1024), 1);
    check_ack(&s_rx[0], 6144, 0, 0, 0);
}

/* What the bench compares against: without the gap-fill ACK the filling chunk waits for the cadence. */
static void t_gap_fill_ack_can_be_turned_off(void)
{
    model_transfer_set_gap_fill_ack(false);
    open_transfer(8);
    CHECK_EQ_U(send_chunk(0, 2048, 1024), 1);
    CHECK_EQ_U(send_chunk(0, 0, 1024), 0);
    CHECK_EQ_U(send_chunk(0, 1024, 1024), 1); /* the second in-order chunk */
    check_ack(&s_rx[0], 3072, 0, 0, 0);
}

/* Every second in-order chunk, whatever the window (the host's timers rely on ACKs
 * that do not wait for half a window on a slow line); every chunk with a window of 1;
 * and the last one. */
static void t_ack_every_second_chunk(void)
{
    open_transfer(16);
    size_t acks = 0;
    for (uint32_t at = 0; at < 7u * MODEL_BLOCK_BYTES; at += MODEL_BLOCK_BYTES) {
        size_t got = send_chunk(0, at, 1024);
        CHECK_EQ_U(got, (at / MODEL_BLOCK_BYTES) % 2u == 1u ? 1u : 0u);
        acks += got;
    }
    CHECK_EQ_U(acks, 3);
    CHECK_EQ_U(send_chunk(0, 7u * MODEL_BLOCK_BYTES, 1024), 1); /* the end */
    check_ack(&s_rx[0], CONTAINER_BYTES, 0, 0, 0);
    teardown();
    setup();
    open_transfer(1);
    CHECK_EQ_U(send_chunk(0, 0, 1024), 1);
    check_ack(&s_rx[0], 1024, 0, 0, 0);
}

/* SPEC §4.3's table of chunks the device cannot place: code, need and have. */
static void t_chunk_refusals(void)
{
    open_transfer(8);
    CHECK_EQ_U(send_chunk(0, 0, 2048), 1);
    check_refusal(&s_rx[0], RTP_ERR_TOO_LARGE, 2048, 1024); /* need = the length, have = the agreed chunk */
    CHECK_EQ_U(send_chunk(0, CONTAINER_BYTES, 1024), 1);
    check_refusal(&s_rx[0], RTP_ERR_OUT_OF_RANGE, CONTAINER_BYTES + 1024u, CONTAINER_BYTES);
    CHECK_EQ_U(send_chunk(0, 100, 1000), 1);
    check_refusal(&s_rx[0], RTP_ERR_INVALID, 100, MODEL_BLOCK_BYTES); /* the offset is wrong: need = it */
    CHECK_EQ_U(send_chunk(0, 1024, 1000), 1);
    check_refusal(&s_rx[0], RTP_ERR_INVALID, 1000, MODEL_BLOCK_BYTES); /* the length is wrong: need = it, not the offset */
    CHECK_EQ_U(send_chunk(7, 0, 1024), 1);
    check_refusal(&s_rx[0], RTP_ERR_OUT_OF_RANGE, 7, model_store_slot_count());
    CHECK_EQ_U(send_chunk(1, 0, 1024), 1);
    check_refusal(&s_rx[0], RTP_ERR_BAD_STATE, 1, 0); /* a slot with no transfer open */
    /* Nothing was stored by any of them. */
    CHECK_EQ_U(send_chunk(0, 0, 1024), 0);
    CHECK_EQ_U(send_chunk(0, 1024, 1024), 1);
    check_ack(&s_rx[0], 2048, 0, 0, 0);
    /* COMMIT of a slot that holds no container: bad_state. */
    memset(&s_req, 0, sizeof s_req);
    s_req.type = RTP_MSG_MODEL_COMMIT;
    s_req.id = 9;
    s_req.dir = RTP_DIR_H2D;
    s_req.body.model_commit.slot = 1;
    CHECK_EQ_U(exchange(&s_req), 1);
    CHECK_EQ_U(s_rx[0].msg.type, RTP_MSG_ERROR);
    CHECK_EQ_U(s_rx[0].msg.id, 9);
    CHECK_EQ_U(s_rx[0].msg.body.error.code, RTP_ERR_BAD_STATE);
}

/* An STM32 device refuses MODEL_BEGIN's header form (SPEC §4.3, for TEE devices): invalid, need = the key it needs
 * (sha256, 2), have = the key it got (header_sha256, 6); the slot is left as it was. */
static void t_header_form_refused(void)
{
    open_transfer(8);
    CHECK_EQ_U(send_chunk(0, 0, 1024), 0);
    s_req.id = 3;
    s_req.type = RTP_MSG_MODEL_BEGIN;
    rtp_model_begin_t *b = &s_req.body.model_begin;
    memset(b, 0, sizeof *b);
    static const uint8_t header_sha[32] = {7};
    b->model_id = (rtp_str_t){"gaps", 4};
    b->size = CONTAINER_BYTES;
    b->has_header_sha256 = true;
    b->header_sha256 = (rtp_bytes_t){header_sha, sizeof header_sha};
    b->has_slot = true;
    b->slot = 0;
    b->chunk = MODEL_BLOCK_BYTES;
    b->window = 8;
    CHECK_EQ_U(exchange(&s_req), 1);
    CHECK_EQ_U(s_rx[0].msg.type, RTP_MSG_ERROR);
    CHECK_EQ_U(s_rx[0].msg.id, 3);
    CHECK_EQ_U(s_rx[0].msg.body.error.code, RTP_ERR_INVALID);
    CHECK_EQ_U(s_rx[0].msg.body.error.need, 2);
    CHECK_EQ_U(s_rx[0].msg.body.error.have, 6);
    model_slot_info_t info;
    CHECK_EQ_U(model_store_info(0, &info), MODEL_OK);
    CHECK(!info.header_form && info.received == 1024);
}

static const tu_case_t k_cases[] = {
    {"header_form_refused", t_header_form_refused},
    {"gap_fill_acked_at_once", t_gap_fill_acked_at_once},
    {"gap_fill_ack_can_be_turned_off", t_gap_fill_ack_can_be_turned_off},
    {"ack_every_second_chunk", t_ack_every_second_chunk},
    {"chunk_refusals", t_chunk_refusals},
};

int main(int argc, char **argv)
{
    return tu_main(argc, argv, k_cases, sizeof k_cases / sizeof k_cases[0], setup, teardown);
}
