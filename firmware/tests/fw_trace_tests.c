/*
 * The trace ring (trace_ring.h) on the fake port: a full ring drops and counts instead of waiting, the next
 * batch reports the count, and batches fit the peer's max_frame even with the largest values.
 *
 *   fw_trace_tests <case> | all
 */
#include <stdint.h>
#include <string.h>

#include "app.h"
#include "fake_port.h"
#include "trace_ring.h"
#include "test_util.h"

#define MAX_FRAMES 64

static tu_host_t s_host;
static tu_rx_t s_rx[MAX_FRAMES];
static uint8_t s_wire[4096];

static size_t take_frames(void)
{
    const uint8_t *out;
    size_t n = fake_port_take_output(&out);
    return tu_host_feed(&s_host, out, n, s_rx, MAX_FRAMES);
}

/* Boots the app and completes a HELLO with a host that accepts `max_frame`. */
static void boot_with_peer(uint16_t max_frame)
{
    fake_port_reset_state();
    tu_host_init(&s_host);
    app_init(NULL);
    rtp_msg_t hello;
    tu_hello_req(&hello, 1, 1, max_frame);
    size_t n = tu_wire_msg(&hello, 0, s_wire, sizeof s_wire);
    fake_port_inject(s_wire, n);
    (void)app_poll();
    CHECK_EQ_U(take_frames(), 2); /* boot HELLO + the reply */
}

static void t_full_ring_drops_and_reports(void)
{
    boot_with_peer(4096);
    const uint64_t big = UINT64_MAX;
    const uint64_t args[3] = {big, big, big};
    for (uint32_t i = 0; i < RTINFER_TRACE_RING_EVENTS; i++) {
        /* Largest encodings: u64 ticks and a 3-element u64 array arg. */
        CHECK(trace_record_array(RTP_EV_TREC_STATS, 255, UINT32_MAX, big, args, 3));
    }
    for (uint32_t i = 0; i < 10; i++) {
        CHECK(!trace_record(RTP_EV_JOB_END, 1, i, 5, 0)); /* full: dropped at once, never waits */
    }
    CHECK_EQ_U(trace_pending(), RTINFER_TRACE_RING_EVENTS);
    CHECK_EQ_U(trace_dropped_total(), 10);

    trace_flush(0);
    size_t frames = take_frames();
    CHECK(frames > 0 && frames < MAX_FRAMES);
    uint32_t events = 0;
    for (size_t f = 0; f < frames; f++) {
        CHECK_EQ_U(s_rx[f].status, RTP_DECODE_OK);
        CHECK_EQ_U(s_rx[f].msg.type, RTP_MSG_TRACE); /* never an ERROR(too_large): batches fit */
        CHECK_EQ_U(s_rx[f].hdr.channel, RTP_CHANNEL_TRACE);
        CHECK(s_rx[f].raw_len <= 4096);
        const rtp_trace_t *t = &s_rx[f].msg.body.trace;
        CHECK_EQ_U(t->batch, f);
        CHECK_EQ_U(t->has_dropped ? t->dropped : 0, f == 0 ? 10 : 0);
        CHECK_EQ_U(t->events[0].arg[2], big);
        events += t->event_count;
    }
    CHECK_EQ_U(events, RTINFER_TRACE_RING_EVENTS);
    CHECK_EQ_U(trace_pending(), 0);

    trace_flush(0); /* nothing pending, nothing dropped: nothing sent */
    CHECK_EQ_U(take_frames(), 0);
}

static void t_small_frames_small_batches(void)
{
    boot_with_peer(256);
    for (uint32_t i = 0; i < 20; i++) {
        CHECK(trace_record(RTP_EV_JOB_RELEASE, 0, i, UINT64_MAX, UINT64_MAX));
    }
    trace_flush(2); /* a bounded flush sends at most two batches */
    size_t frames = take_frames();
    CHECK_EQ_U(frames, 2);
    uint32_t sent = s_rx[0].msg.body.trace.event_count + s_rx[1].msg.body.trace.event_count;
    CHECK_EQ_U(trace_pending(), 20 - sent);
    for (size_t f = 0; f < frames; f++) {
        CHECK_EQ_U(s_rx[f].msg.type, RTP_MSG_TRACE);
        CHECK(s_rx[f].raw_len <= 256);
    }
}

static const tu_case_t k_cases[] = {
    {"full_ring_drops_and_reports", t_full_ring_drops_and_reports},
    {"small_frames_small_batches", t_small_frames_small_batches},
};

int main(int argc, char **argv)
{
    return tu_main(argc, argv, k_cases, sizeof k_cases / sizeof k_cases[0], NULL, NULL);
}
