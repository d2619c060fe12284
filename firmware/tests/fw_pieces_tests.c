/*
 * Tensors larger than a frame (SPEC §4.4.1) against the whole app: fake port, POSIX flash model, a real container
 * in the store (CifarNet's 12 KiB input, or a 128-layer chain for the layer ticks). The input in INFER_PART pieces
 * gives the same output, bit for bit, as the same input stored in the container; every refusal carries its facts
 * and changes nothing; another request abandons an open INFER with bad_state; layer ticks beyond RESULT's 64 are
 * withheld and read back with RESULT_PART.
 *
 *   fw_pieces_tests <case> | all
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "fake_port.h"
#include "model_store.h"
#include "store_container.h"
#include "temp_flash.h"
#include "test_util.h"

#define VECTORS RTINFER_RUNTIME_VECTORS "/"
#define CIFAR_INPUT_BYTES (3u * 32u * 32u * 4u)
#define CIFAR_OUTPUTS 10u
#define MAX_RX 64

static char s_path[4096];
static tu_host_t s_host;
static tu_rx_t s_rx[MAX_RX];
static size_t s_rx_count;
static uint8_t s_wire[70000];
static uint8_t s_file[200000];
static uint16_t s_seq;

/* Sends one request and collects every reply it draws into s_rx. */
static void exchange(const rtp_msg_t *m)
{
    fake_port_inject(s_wire, tu_wire_msg(m, s_seq++, s_wire, sizeof s_wire));
    while (app_poll() != 0) {
    }
    const uint8_t *out;
    size_t n = fake_port_take_output(&out);
    s_rx_count = tu_host_feed(&s_host, out, n, s_rx, MAX_RX);
    for (size_t i = 0; i < s_rx_count; i++) {
        CHECK_EQ_U(s_rx[i].status, RTP_DECODE_OK);
    }
}

static void hello(uint16_t max_frame)
{
    rtp_msg_t m;
    tu_hello_req(&m, 1, 1, max_frame);
    exchange(&m);
    CHECK(s_rx_count == 1 && s_rx[0].msg.type == RTP_MSG_HELLO);
}

static void start(const char *model, uint16_t max_frame)
{
    temp_flash_create(s_path, sizeof s_path, "rtinfer-pieces");
    fake_port_reset_state();
    fake_port_set_ticks(0, 50);
    tu_host_init(&s_host);
    s_seq = 0;
    model_store_init();
    (void)test_store_container(model, "pieces", s_file, sizeof s_file);
    app_init(NULL);
    const uint8_t *out;
    (void)fake_port_take_output(&out); /* the boot HELLO */
    hello(max_frame);
}

static void teardown(void)
{
    temp_flash_remove(s_path);
}

static void infer_sized(uint32_t id, uint32_t size)
{
    rtp_msg_t m = {.type = RTP_MSG_INFER, .id = id, .dir = RTP_DIR_H2D};
    m.body.infer.mode = RTP_MODE_DENSE;
    m.body.infer.has_want = true;
    m.body.infer.want = RTP_WANT_OUTPUT | RTP_WANT_LAYER_TICKS;
    m.body.infer.has_input_size = true;
    m.body.infer.input_size = size;
    exchange(&m);
}

static void piece(uint32_t id, uint32_t offset, const uint8_t *data, size_t len)
{
    rtp_msg_t m = {.type = RTP_MSG_INFER_PART, .id = id, .dir = RTP_DIR_H2D};
    m.body.infer_part.offset = offset;
    m.body.infer_part.data = (rtp_bytes_t){data, len};
    exchange(&m);
}

static void result_part(uint32_t id, uint8_t part, uint32_t offset)
{
    rtp_msg_t m = {.type = RTP_MSG_RESULT_PART, .id = id, .dir = RTP_DIR_H2D};
    m.body.result_part_req.part = part;
    m.body.result_part_req.offset = offset;
    exchange(&m);
}

/* The one reply of the last exchange must be an ACK of `next` to `id`. */
static void expect_ack(uint32_t id, uint32_t next)
{
    CHECK_EQ_U(s_rx_count, 1);
    CHECK_EQ_U(s_rx[0].msg.type, RTP_MSG_INFER_PART);
    CHECK_EQ_U(s_rx[0].msg.id, id);
    CHECK_EQ_U(s_rx[0].msg.body.infer_part_ack.next, next);
}

static void expect_error(size_t at, uint32_t id, uint16_t code, uint8_t type, uint64_t need, uint64_t have)
{
    CHECK(at < s_rx_count);
    if (at >= s_rx_count) {
        return;
    }
    const rtp_msg_t *e = &s_rx[at].msg;
    CHECK_EQ_U(e->type, RTP_MSG_ERROR);
    CHECK_EQ_U(e->id, id);
    CHECK_EQ_U(e->body.error.code, code);
    CHECK(e->body.error.has_type && e->body.error.type == type);
    CHECK(e->body.error.has_need && e->body.error.need == need);
    CHECK(e->body.error.has_have && e->body.error.have == have);
}

/* CifarNet's first stored test input (the host reference file holds it, then the output and the logits). */
static void cifar_reference(uint8_t input[CIFAR_INPUT_BYTES], float output[CIFAR_OUTPUTS])
{
    static uint8_t ref[37104];
    CHECK_EQ_U(test_read_file(VECTORS "cifarnet.ref", ref, sizeof ref), sizeof ref);
    memcpy(input, ref, CIFAR_INPUT_BYTES);
    memcpy(output, ref + CIFAR_INPUT_BYTES, CIFAR_OUTPUTS * sizeof(float));
}

static void input_pieces_equal_stored_input(void)
{
    start(VECTORS "cifarnet.rtm", 4096);
    static uint8_t input[CIFAR_INPUT_BYTES];
    float host[CIFAR_OUTPUTS];
    cifar_reference(input, host);

    rtp_msg_t m = {.type = RTP_MSG_INFER, .id = 5, .dir = RTP_DIR_H2D};
    m.body.infer.mode = RTP_MODE_DENSE;
    m.body.infer.has_input_index = true;
    m.body.infer.input_index = 0;
    exchange(&m);
    CHECK(s_rx_count == 1 && s_rx[0].msg.type == RTP_MSG_RESULT && s_rx[0].msg.body.result.has_output);
    uint8_t stored[CIFAR_OUTPUTS * sizeof(float)];
    CHECK_EQ_U(s_rx[0].msg.body.result.output.len, sizeof stored);
    memcpy(stored, s_rx[0].msg.body.result.output.ptr, sizeof stored);

    infer_sized(6, CIFAR_INPUT_BYTES);
    CHECK_EQ_U(s_rx_count, 0); /* open, unanswered until its last piece */
    uint32_t id = 100;
    piece(id, 0, input, 0); /* an empty piece only asks */
    expect_ack(id++, 0);
    for (uint32_t offset = 0; offset < CIFAR_INPUT_BYTES;) {
        uint32_t n = CIFAR_INPUT_BYTES - offset < 1000u ? CIFAR_INPUT_BYTES - offset : 1000u;
        if (offset + n == CIFAR_INPUT_BYTES) {
            break;
        }
        piece(id, offset, input + offset, n);
        expect_ack(id++, offset + n);
        if (offset == 2000) {
            /* a repeat (a lost reply, a QoS 1 duplicate) with other bytes: answered with the same next, stores nothing */
            static uint8_t junk[1000];
            memset(junk, 0x7f, sizeof junk);
            piece(id, offset, junk, n);
            expect_ack(id++, offset + n);
        }
        offset += n;
    }
    const uint32_t last = CIFAR_INPUT_BYTES - CIFAR_INPUT_BYTES % 1000u;
    piece(id, last, input + last, CIFAR_INPUT_BYTES - last);
    CHECK_EQ_U(s_rx_count, 2); /* the last piece's ACK, then the INFER's RESULT */
    CHECK(s_rx[0].msg.type == RTP_MSG_INFER_PART && s_rx[0].msg.id == id &&
          s_rx[0].msg.body.infer_part_ack.next == CIFAR_INPUT_BYTES);
    const rtp_result_t *r = &s_rx[1].msg.body.result;
    CHECK(s_rx[1].msg.type == RTP_MSG_RESULT && s_rx[1].msg.id == 6 && r->has_output && !r->has_output_size);
    CHECK_EQ_U(r->output.len, sizeof stored);
    CHECK(memcmp(r->output.ptr, stored, sizeof stored) == 0);
    CHECK(r->has_layer_ticks && !r->has_layer_count);
    /* and the host's reference for that input, to its float tolerance */
    float device[CIFAR_OUTPUTS];
    memcpy(device, r->output.ptr, sizeof device);
    for (unsigned i = 0; i < CIFAR_OUTPUTS; i++) {
        float d = device[i] - host[i];
        CHECK(d < 1e-3f && d > -1e-3f);
    }
    /* the INFER is closed: another piece has nothing to go to */
    piece(id + 1, 0, input, 4);
    CHECK(s_rx_count == 1 && s_rx[0].msg.type == RTP_MSG_ERROR && s_rx[0].msg.body.error.code == RTP_ERR_BAD_STATE);
    teardown();
}

static void piece_refusals(void)
{
    start(VECTORS "cifarnet.rtm", 4096);
    static uint8_t input[CIFAR_INPUT_BYTES];
    float host[CIFAR_OUTPUTS];
    cifar_reference(input, host);
    /* no INFER open */
    piece(7, 0, input, 100);
    CHECK_EQ_U(s_rx_count, 1);
    CHECK(s_rx[0].msg.type == RTP_MSG_ERROR && s_rx[0].msg.body.error.code == RTP_ERR_BAD_STATE &&
          s_rx[0].msg.body.error.type == RTP_MSG_INFER_PART);
    /* the wrong total size: refused at once, before any piece */
    infer_sized(8, CIFAR_INPUT_BYTES + 4);
    CHECK_EQ_U(s_rx_count, 1);
    expect_error(0, 8, RTP_ERR_INVALID, RTP_MSG_INFER, CIFAR_INPUT_BYTES + 4, CIFAR_INPUT_BYTES);
    piece(9, 0, input, 100);
    CHECK(s_rx_count == 1 && s_rx[0].msg.body.error.code == RTP_ERR_BAD_STATE);

    infer_sized(10, CIFAR_INPUT_BYTES);
    piece(11, 0, input, 1000);
    expect_ack(11, 1000);
    /* the open INFER delivered again (MQTT QoS 1): dropped, unanswered, still open */
    infer_sized(10, CIFAR_INPUT_BYTES);
    CHECK_EQ_U(s_rx_count, 0);
    piece(11, 1000, input + 1000, 0);
    expect_ack(11, 1000);
    /* out of order: a piece before it is missing */
    piece(12, 2000, input + 2000, 1000);
    CHECK_EQ_U(s_rx_count, 1);
    expect_error(0, 12, RTP_ERR_OUT_OF_RANGE, RTP_MSG_INFER_PART, 2000, 1000);
    /* a piece overlapping what is held takes only the new bytes */
    piece(13, 500, input + 500, 3500);
    expect_ack(13, 4000);
    for (uint32_t offset = 4000; offset < 12000; offset += 1000) {
        piece(40 + offset / 1000, offset, input + offset, 1000);
        expect_ack(40 + offset / 1000, offset + 1000);
    }
    /* beyond the input */
    static uint8_t over[1000];
    piece(14, 12000, over, sizeof over);
    CHECK_EQ_U(s_rx_count, 1);
    expect_error(0, 14, RTP_ERR_OUT_OF_RANGE, RTP_MSG_INFER_PART, 13000, CIFAR_INPUT_BYTES);
    /* PING and MODEL_STATUS leave the INFER open */
    rtp_msg_t ping;
    tu_ping_req(&ping, 15, 1);
    exchange(&ping);
    CHECK(s_rx_count == 1 && s_rx[0].msg.type == RTP_MSG_PING);
    rtp_msg_t status = {.type = RTP_MSG_MODEL_STATUS, .id = 16, .dir = RTP_DIR_H2D};
    exchange(&status);
    CHECK(s_rx_count == 1 && s_rx[0].msg.type == RTP_MSG_MODEL_STATUS);
    piece(17, 12000, input, 0);
    expect_ack(17, 12000); /* nothing the refusals sent was taken */
    /* another INFER abandons it: bad_state to the open one (held 12000 of 12288), then its own RESULT */
    rtp_msg_t m = {.type = RTP_MSG_INFER, .id = 18, .dir = RTP_DIR_H2D};
    m.body.infer.mode = RTP_MODE_DENSE;
    m.body.infer.has_input_index = true;
    exchange(&m);
    CHECK_EQ_U(s_rx_count, 2);
    expect_error(0, 10, RTP_ERR_BAD_STATE, RTP_MSG_INFER, 12000, CIFAR_INPUT_BYTES);
    CHECK(s_rx[1].msg.type == RTP_MSG_RESULT && s_rx[1].msg.id == 18);
    piece(19, 12000, input + 12000, 288);
    CHECK(s_rx_count == 1 && s_rx[0].msg.body.error.code == RTP_ERR_BAD_STATE);
    /* nothing withheld from that RESULT: RESULT_PART has nothing to read */
    result_part(20, RTP_PART_OUTPUT, 0);
    CHECK(s_rx_count == 1 && s_rx[0].msg.type == RTP_MSG_ERROR && s_rx[0].msg.body.error.code == RTP_ERR_BAD_STATE);
    teardown();
}

/* A running task set: INFER with input_size is refused busy at once, and its pieces have nothing to go to. */
static void busy_during_a_run(void)
{
    start(VECTORS "cifarnet.rtm", 4096);
    rtp_msg_t m = {.type = RTP_MSG_TASKSET, .id = 50, .dir = RTP_DIR_H2D};
    m.body.taskset_req.task_count = 1;
    m.body.taskset_req.tasks[0] = (rtp_task_t){.task = 0, .period_us = 10000000u, .deadline_us = 10000000u, .mode = RTP_MODE_DENSE};
    exchange(&m);
    CHECK(s_rx_count == 1 && s_rx[0].msg.type == RTP_MSG_TASKSET);
    m = (rtp_msg_t){.type = RTP_MSG_RUN, .id = 51, .dir = RTP_DIR_H2D};
    exchange(&m);
    CHECK(s_rx_count >= 1 && s_rx[0].msg.type == RTP_MSG_RUN);
    infer_sized(52, CIFAR_INPUT_BYTES);
    CHECK(s_rx_count == 1 && s_rx[0].msg.type == RTP_MSG_ERROR && s_rx[0].msg.id == 52 &&
          s_rx[0].msg.body.error.code == RTP_ERR_BUSY && s_rx[0].msg.body.error.type == RTP_MSG_INFER);
    static uint8_t input[1000];
    piece(53, 0, input, sizeof input);
    CHECK(s_rx_count == 1 && s_rx[0].msg.type == RTP_MSG_ERROR && s_rx[0].msg.body.error.code == RTP_ERR_BAD_STATE);
    m = (rtp_msg_t){.type = RTP_MSG_STOP, .id = 54, .dir = RTP_DIR_H2D};
    exchange(&m);
    teardown();
}

/* 128 layers: more ticks than RESULT carries, read back in pieces that fit 256-byte frames. (The output of a
 * model too big for the frame goes the same way; HIL infer-pieces reads a 1000-class output so.) */
static void layer_ticks_withheld_and_read_in_parts(void)
{
    start(VECTORS "ok-128-layers.rtm", 256);
    infer_sized(30, 1); /* learn the input size from the refusal */
    CHECK_EQ_U(s_rx_count, 1);
    CHECK(s_rx[0].msg.type == RTP_MSG_ERROR && s_rx[0].msg.body.error.code == RTP_ERR_INVALID);
    const uint32_t size = (uint32_t)s_rx[0].msg.body.error.have;
    CHECK(size > 0 && size <= 1024);
    uint8_t input[1024];
    for (uint32_t i = 0; i < size / 4; i++) {
        float v = (float)((int)(i % 13) - 2) * 0.25f; /* the chain's ReLUs keep the positive ones */
        memcpy(input + 4 * i, &v, 4);
    }
    infer_sized(31, size);
    piece(32, 0, input, size);
    CHECK_EQ_U(s_rx_count, 2);
    const rtp_result_t *r = &s_rx[1].msg.body.result;
    CHECK(s_rx[1].msg.type == RTP_MSG_RESULT && s_rx[1].msg.id == 31);
    CHECK(!r->has_layer_ticks && r->has_layer_count && r->layer_count == 128);
    CHECK(r->has_output && !r->has_output_size && r->output.len == size);
    for (uint32_t i = 0; i < size / 4; i++) {
        float in, out;
        memcpy(&in, input + 4 * i, 4);
        memcpy(&out, r->output.ptr + 4 * i, 4);
        CHECK(out == (in > 0 ? in : 0.0f)); /* a chain of ReLUs */
    }
    const uint64_t ticks = r->ticks;
    uint64_t sum = 0;
    uint32_t id = 40, pieces = 0;
    for (uint32_t offset = 0; offset < 128 * 8;) {
        result_part(id++, RTP_PART_LAYER_TICKS, offset);
        const rtp_result_part_t *p = &s_rx[0].msg.body.result_part;
        CHECK(s_rx_count == 1 && s_rx[0].msg.type == RTP_MSG_RESULT_PART);
        CHECK(p->part == RTP_PART_LAYER_TICKS && p->offset == offset && p->size == 128 * 8 && p->data.len > 0 &&
              p->data.len % 8 == 0);
        CHECK(s_rx[0].raw_len <= 256);
        if (s_rx_count != 1 || s_rx[0].msg.type != RTP_MSG_RESULT_PART || p->data.len == 0) {
            break;
        }
        for (size_t i = 0; i + 8 <= p->data.len; i += 8) {
            uint64_t t = 0;
            for (int b = 7; b >= 0; b--) {
                t = t << 8 | p->data.ptr[i + (size_t)b];
            }
            CHECK(t > 0); /* the fake clock advances on every reading */
            sum += t;
        }
        offset += (uint32_t)p->data.len;
        pieces++;
    }
    CHECK(pieces > 1);
    CHECK(sum > 0 && sum <= ticks);
    /* out of range; nothing withheld in the output */
    result_part(id, RTP_PART_LAYER_TICKS, 128 * 8);
    expect_error(0, id++, RTP_ERR_OUT_OF_RANGE, RTP_MSG_RESULT_PART, 128 * 8, 128 * 8);
    result_part(id, RTP_PART_OUTPUT, 0);
    expect_error(0, id++, RTP_ERR_BAD_STATE, RTP_MSG_RESULT_PART, RTP_PART_OUTPUT, 0);
    /* MODEL_STATUS leaves the ticks; any other request forgets them */
    rtp_msg_t status = {.type = RTP_MSG_MODEL_STATUS, .id = id++, .dir = RTP_DIR_H2D};
    exchange(&status);
    result_part(id++, RTP_PART_LAYER_TICKS, 8);
    CHECK(s_rx[0].msg.type == RTP_MSG_RESULT_PART && s_rx[0].msg.body.result_part.offset == 8);
    rtp_msg_t run = {.type = RTP_MSG_RUN, .id = id++, .dir = RTP_DIR_H2D};
    exchange(&run); /* RUN without a task set: refused, but it is another request */
    result_part(id, RTP_PART_LAYER_TICKS, 0);
    expect_error(0, id++, RTP_ERR_BAD_STATE, RTP_MSG_RESULT_PART, RTP_PART_LAYER_TICKS, 0);
    teardown();
}

int main(int argc, char **argv)
{
    static const tu_case_t cases[] = {
        {"input_pieces_equal_stored_input", input_pieces_equal_stored_input},
        {"piece_refusals", piece_refusals},
        {"busy_during_a_run", busy_during_a_run},
        {"layer_ticks_withheld_and_read_in_parts", layer_ticks_withheld_and_read_in_parts},
    };
    return tu_main(argc, argv, cases, sizeof cases / sizeof cases[0], NULL, NULL);
}
