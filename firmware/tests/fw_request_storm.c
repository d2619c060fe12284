/*
 * A seeded storm of well-formed but arbitrary requests against the whole app (fake port, POSIX flash model, a
 * real LeNet-5 container in the store): INFER with random modes, TREC parameters, inputs and slots; TASKSET
 * with random tasks; RUN, STOP, PING, MODEL_STATUS and MODEL_BEGIN interleaved, with the main loop's task set
 * polling in between. Under ASan/UBSan (ctest) any out-of-bounds access or undefined behaviour fails the
 * test; beyond that, every request with an id gets exactly one answer, and the device still answers PING at
 * the end. The wire parser is fuzzed by libFuzzer (protocol/c); this drives the handlers behind it.
 *
 *   fw_request_storm <case> | all
 *
 * Built with RTINFER_STORM_TEE (firmware/optee/agent), the same storm hits the OP-TEE agent: its app with the TA
 * as the engine, the store holding a sealed container (RTINFER_STORM_MODEL), the TA opened before app_init()
 * by storm_tee_open(). Task sets are unsupported there, so only RESULTs count as reaching the interesting path.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "fake_port.h"
#include "model_store.h"
#include "store_container.h"
#include "taskset.h"
#include "temp_flash.h"
#include "test_util.h"

#ifdef RTINFER_STORM_TEE
void storm_tee_open(void);  /* firmware/optee/agent/tests/agent_storm_tee.c */
void storm_tee_close(void);
#endif

#define MAX_RX 1024
#define REQUESTS 3000u

static char s_path[4096];
static tu_host_t s_host;
static tu_rx_t s_rx[MAX_RX];
static uint8_t s_wire[70000];
static uint8_t s_container[200000];
/* Tensors in pieces (SPEC §4.4.1): the input bytes the device last said it holds, and the random bytes pieces carry. */
static uint32_t s_piece_next;
static uint32_t s_piece_size; /* the open INFER's input_size */
static uint8_t s_piece_bytes[5000];
static uint64_t s_rng = 0x9e3779b97f4a7c15ull;

static uint32_t next_random(void)
{
    /* xorshift64*: reproducible without libc's rand() state */
    s_rng ^= s_rng >> 12;
    s_rng ^= s_rng << 25;
    s_rng ^= s_rng >> 27;
    return (uint32_t)((s_rng * 0x2545f4914f6cdd1dull) >> 32);
}

static uint32_t below(uint32_t n)
{
    return n == 0 ? 0 : next_random() % n;
}

static void setup(void)
{
    temp_flash_create(s_path, sizeof s_path, "rtinfer-storm");
    fake_port_reset_state();
    fake_port_set_ticks(0, 50); /* 50 µs (at the fake 1 MHz clock) per reading: jobs take simulated time */
    tu_host_init(&s_host);
    model_store_init();
    /* The runtime vector container, verified and active in slot 0. */
    (void)test_store_container(RTINFER_STORM_MODEL, "storm", s_container, sizeof s_container);
#ifdef RTINFER_STORM_TEE
    storm_tee_open();
#endif
    app_init(NULL);
    /* HELLO first: before it the device takes frames of 256 bytes only, and an inline input is 3 KiB. */
    rtp_msg_t hello;
    tu_hello_req(&hello, 1, 1, 8192);
    fake_port_inject(s_wire, tu_wire_msg(&hello, 0, s_wire, sizeof s_wire));
    (void)app_poll();
    const uint8_t *out;
    size_t n = fake_port_take_output(&out);
    (void)tu_host_feed(&s_host, out, n, s_rx, MAX_RX);
}

static void teardown(void)
{
#ifdef RTINFER_STORM_TEE
    storm_tee_close();
#endif
    temp_flash_remove(s_path);
}

static void random_infer(rtp_msg_t *m)
{
    rtp_infer_t *r = &m->body.infer;
    r->mode = (uint8_t)below(2);
    if (below(4) == 0) {
        r->has_slot = true;
        r->slot = (uint8_t)below(3);
    }
    if (below(2) == 0) {
        r->has_trec = true;
        r->trec_count = (uint8_t)below(4);
        for (uint8_t i = 0; i < r->trec_count; i++) {
            r->trec[i].layer = (uint16_t)below(12);
            r->trec[i].l = (uint16_t)(below(3) == 0 ? below(600) : 25u * (1u + below(4)));
            r->trec[i].h = (uint8_t)(1u + below(32));
        }
    }
    if (below(6) == 0) {
        /* the input to follow in INFER_PART pieces: mostly the model's size (LeNet-5, 784 floats), sometimes not */
        r->has_input_size = true;
        r->input_size = below(3) == 0 ? 1u + below(5000) : 784u * 4u;
    } else if (below(3) == 0) {
        static uint8_t input[784 * 4];
        for (size_t i = 0; i < sizeof input; i++) {
            input[i] = (uint8_t)next_random();
        }
        r->has_input = true;
        r->input.ptr = input;
        r->input.len = below(4) == 0 ? below(sizeof input) : sizeof input; /* NaNs and infinities included */
    } else {
        r->has_input_index = true;
        r->input_index = (uint16_t)below(3);
    }
    if (below(2) == 0) {
        r->has_want = true;
        r->want = (uint8_t)below(8);
    }
}

static void random_taskset(rtp_msg_t *m)
{
    rtp_taskset_req_t *r = &m->body.taskset_req;
    r->task_count = (uint8_t)(1u + below(4));
    for (uint8_t i = 0; i < r->task_count; i++) {
        rtp_task_t *t = &r->tasks[i];
        t->task = (uint8_t)below(5);
        t->period_us = 1u + below(below(2) ? 50000u : 500u);
        t->deadline_us = 1u + below(t->period_us * 2u);
        t->mode = (uint8_t)below(2);
        t->has_offset_us = below(2);
        t->offset_us = below(1000);
        t->has_input_index = below(2);
        t->input_index = (uint16_t)below(2);
        t->has_budget_us = below(2);
        t->budget_us = 1u + below(20000);
        t->has_slot = below(4) == 0;
        t->slot = (uint8_t)below(2);
    }
}

/* An input piece: mostly where the device's last ACK says the input goes on, sometimes anywhere. */
static void random_piece(rtp_msg_t *m)
{
    m->type = RTP_MSG_INFER_PART;
    m->body.infer_part.data.ptr = s_piece_bytes;
    m->body.infer_part.data.len = below(1500);
    if (below(4) == 0) {
        m->body.infer_part.offset = below(5000);
    } else {
        /* in order, mostly ending within the input (the last piece exactly at its end) */
        uint32_t left = s_piece_size > s_piece_next ? s_piece_size - s_piece_next : 0u;
        m->body.infer_part.offset = s_piece_next;
        if (below(8) != 0 && m->body.infer_part.data.len > left) {
            m->body.infer_part.data.len = left;
        }
    }
}

/* One random request; returns its id (0 for the id-0 MODEL_CHUNK). */
static uint32_t random_request(rtp_msg_t *m, uint32_t id)
{
    memset(m, 0, sizeof *m);
    m->dir = RTP_DIR_H2D;
    m->id = id;
    switch (below(12)) {
    case 0:
    case 1:
    case 2:
        m->type = RTP_MSG_INFER;
        random_infer(m);
        break;
    case 10:
        random_piece(m);
        break;
    case 11:
        m->type = RTP_MSG_RESULT_PART;
        m->body.result_part_req.part = (uint8_t)below(2);
        m->body.result_part_req.offset = below(3) == 0 ? below(5000) : 0u;
        break;
    case 3:
        m->type = RTP_MSG_TASKSET;
        random_taskset(m);
        break;
    case 4:
        m->type = RTP_MSG_RUN;
        m->body.run_req.duration_us = below(3) == 0 ? 0u : below(50000);
        m->body.run_req.has_trace = true;
        m->body.run_req.trace = (uint8_t)below(8);
        break;
    case 5:
        m->type = RTP_MSG_STOP;
        break;
    case 6:
        m->type = RTP_MSG_MODEL_STATUS;
        break;
    case 7:
        m->type = RTP_MSG_MODEL_BEGIN; /* into slot 1 only: slot 0 holds the active model */
        m->body.model_begin.model_id.ptr = "junk";
        m->body.model_begin.model_id.len = 4;
        m->body.model_begin.size = 1u + below(100000);
        static const uint8_t junk_sha[32] = {1, 2, 3};
        m->body.model_begin.has_sha256 = true;
        m->body.model_begin.sha256.ptr = junk_sha;
        m->body.model_begin.sha256.len = sizeof junk_sha;
        m->body.model_begin.has_slot = true;
        m->body.model_begin.slot = 1;
        m->body.model_begin.chunk = (uint16_t)(1u + below(4096));
        m->body.model_begin.window = (uint16_t)(1u + below(32));
        break;
    default:
        m->type = RTP_MSG_PING;
        m->body.ping_req.t1 = id;
        break;
    }
    return id;
}

static void t_storm(void)
{
    static rtp_msg_t req;
    uint32_t answered = 0;
    uint32_t sent = 0;
    uint32_t results = 0, accepted = 0, runs = 0, traces = 0, pieces_taken = 0, pieced_results = 0;
    uint32_t open_infer = 0; /* an INFER with input_size, answered only when its input completes or is abandoned */
    for (size_t b = 0; b < sizeof s_piece_bytes; b++) {
        s_piece_bytes[b] = (uint8_t)next_random();
    }
    for (uint32_t i = 2; i <= REQUESTS + 1; i++) {
        random_request(&req, i);
        if (open_infer != 0 && below(4) != 0) {
            random_piece(&req); /* an INFER waits for its input: mostly pieces, sometimes what abandons it */
        }
        rtp_decode_error_t why;
        if (!rtp_msg_check(&req, &why)) {
            fprintf(stderr, "request %u (type 0x%02x) fails its schema: %s, key %d\n", i, req.type,
                    rtp_decode_reason_name(why.reason), why.key);
            CHECK(false);
            return;
        }
        size_t n = tu_wire_msg(&req, (uint16_t)i, s_wire, sizeof s_wire);
        fake_port_inject(s_wire, n);
        sent++;
        (void)app_poll();
        for (unsigned polls = below(8); polls > 0; polls--) {
            taskset_poll(); /* the main loop: release and run due jobs */
        }
        const uint8_t *out;
        size_t got = fake_port_take_output(&out);
        size_t frames = tu_host_feed(&s_host, out, got, s_rx, MAX_RX);
        uint32_t before = answered;
        bool answered_now = false;
        for (size_t f = 0; f < frames && f < MAX_RX; f++) {
            CHECK_EQ_U(s_rx[f].status, RTP_DECODE_OK);
            if (s_rx[f].msg.id == i) {
                answered++;
                answered_now = true;
            } else if (open_infer != 0 && s_rx[f].msg.id == open_infer) {
                answered++; /* the open INFER's RESULT or refusal, drawn by a later request */
                pieced_results += s_rx[f].msg.type == RTP_MSG_RESULT;
                open_infer = 0;
            }
            if (s_rx[f].msg.type == RTP_MSG_INFER_PART && s_rx[f].msg.id == i) {
                s_piece_next = s_rx[f].msg.body.infer_part_ack.next;
                pieces_taken++;
            }
            results += s_rx[f].msg.type == RTP_MSG_RESULT;
            accepted += s_rx[f].msg.type == RTP_MSG_TASKSET;
            runs += s_rx[f].msg.type == RTP_MSG_RUN;
            traces += s_rx[f].msg.type == RTP_MSG_TRACE;
        }
        if (req.type == RTP_MSG_INFER && req.body.infer.has_input_size && !answered_now) {
            open_infer = i; /* accepted: answered when its last piece is in, or when another request abandons it */
            s_piece_next = 0;
            s_piece_size = req.body.infer.input_size;
            continue;
        }
        if (answered == before && getenv("STORM_DEBUG")) {
            fprintf(stderr, "request %u type 0x%02x unanswered (%zu frames out)\n", i, req.type, frames);
        }
    }
    /* Every request has an id and was answered in the same poll, but an INFER waiting for input pieces (answered
     * when a later request completes or abandons it): at most the last one is still waiting. */
    CHECK(answered == sent || (answered + 1 == sent && open_infer != 0));
    CHECK(pieces_taken > 20 && pieced_results > 0);
    /* The storm reached the interesting paths, not only their refusals. */
    fprintf(stderr, "storm: %u requests, %u RESULTs, %u task sets accepted, %u runs, %u TRACE batches, %u input pieces taken, "
            "%u RESULTs of inputs in pieces\n", sent, results, accepted, runs, traces, pieces_taken, pieced_results);
#ifdef RTINFER_STORM_TEE
    CHECK(results > 50);
#else
    CHECK(results > 100 && accepted > 10 && runs > 10 && traces > 5);
#endif
    /* And the device is still itself. */
    rtp_msg_t ping;
    tu_ping_req(&ping, 999999, 42);
    fake_port_inject(s_wire, tu_wire_msg(&ping, 1, s_wire, sizeof s_wire));
    (void)app_poll();
    const uint8_t *out;
    size_t got = fake_port_take_output(&out);
    size_t frames = tu_host_feed(&s_host, out, got, s_rx, MAX_RX);
    bool pinged = false;
    for (size_t f = 0; f < frames && f < MAX_RX; f++) {
        pinged = pinged || (s_rx[f].msg.type == RTP_MSG_PING && s_rx[f].msg.id == 999999);
    }
    CHECK(pinged);
}

/* Sends one request and returns the number of frames the device wrote in answer (decoded into s_rx). */
static size_t exchange(rtp_msg_t *m, uint16_t seq)
{
    fake_port_inject(s_wire, tu_wire_msg(m, seq, s_wire, sizeof s_wire));
    (void)app_poll();
    const uint8_t *out;
    size_t n = fake_port_take_output(&out);
    return tu_host_feed(&s_host, out, n, s_rx, MAX_RX);
}

/* A STOP and then an INFER arrive while a job runs: both are served between its layers, and the INFER is
 * refused busy (the job's model and work buffer are in use) although the STOP has already ended the run. */
static void t_requests_during_a_job(void)
{
    static rtp_msg_t m;
    memset(&m, 0, sizeof m);
    m.dir = RTP_DIR_H2D;
    m.type = RTP_MSG_TASKSET;
    m.id = 10;
    m.body.taskset_req.task_count = 1;
    m.body.taskset_req.tasks[0] = (rtp_task_t){.task = 0, .period_us = 100000, .deadline_us = 100000, .mode = 0,
                                               .has_budget_us = true, .budget_us = 1000};
    CHECK_EQ_U(exchange(&m, 2), 1);
    CHECK_EQ_U(s_rx[0].msg.type, RTP_MSG_TASKSET);
    memset(&m.body, 0, sizeof m.body);
    m.type = RTP_MSG_RUN;
    m.id = 11;
    CHECK_EQ_U(exchange(&m, 3), 1);
    CHECK_EQ_U(s_rx[0].msg.type, RTP_MSG_RUN);
    /* Past the first release; the two requests wait in the UART until the job's first layer ends. */
    memset(&m.body, 0, sizeof m.body);
    m.type = RTP_MSG_STOP;
    m.id = 12;
    fake_port_inject(s_wire, tu_wire_msg(&m, 4, s_wire, sizeof s_wire));
    memset(&m.body, 0, sizeof m.body);
    m.type = RTP_MSG_INFER;
    m.id = 13;
    m.body.infer.has_input_index = true;
    fake_port_inject(s_wire, tu_wire_msg(&m, 5, s_wire, sizeof s_wire));
    fake_port_set_ticks(1000000, 50);
    taskset_poll();
    const uint8_t *out;
    size_t n = fake_port_take_output(&out);
    size_t frames = tu_host_feed(&s_host, out, n, s_rx, MAX_RX);
    bool stopped = false, refused = false;
    for (size_t f = 0; f < frames && f < MAX_RX; f++) {
        stopped = stopped || (s_rx[f].msg.type == RTP_MSG_STOP && s_rx[f].msg.id == 12);
        refused = refused || (s_rx[f].msg.type == RTP_MSG_ERROR && s_rx[f].msg.id == 13 &&
                              s_rx[f].msg.body.error.code == RTP_ERR_BUSY);
    }
    CHECK(stopped);
    CHECK(refused);
    /* After the job, the engine is free again. */
    memset(&m.body, 0, sizeof m.body);
    m.type = RTP_MSG_INFER;
    m.id = 14;
    m.body.infer.has_input_index = true;
    frames = exchange(&m, 6);
    CHECK(frames >= 1 && s_rx[frames - 1].msg.type == RTP_MSG_RESULT);
}

static const tu_case_t k_cases[] = {
    {"storm", t_storm},
    {"requests_during_a_job", t_requests_during_a_job},
};

int main(int argc, char **argv)
{
    return tu_main(argc, argv, k_cases, sizeof k_cases / sizeof k_cases[0], setup, teardown);
}
