/* Link layer: see link.h. */
#include "link.h"

#include <string.h>

#include "app.h"
#include "port.h"

/* Bytes taken from the UART per read. */
#define RX_CHUNK 256u

static uint8_t s_rx_buf[RTP_PARSER_BUF_BYTES(RTINFER_MAX_FRAME_CAP)];
static uint8_t s_msg_buf[RTP_MSG_MAX_BYTES(RTINFER_MAX_FRAME_CAP)];
static uint8_t s_wire_buf[RTP_WIRE_MAX_BYTES(RTINFER_MAX_FRAME_CAP)];

static struct {
    rtp_frame_parser_t parser;
    uint8_t chunk[RX_CHUNK];
    size_t chunk_pos;
    size_t chunk_len;
    uint64_t chunk_ticks; /* when chunk was read */
    uint32_t lost_before; /* counters.lost before the last frame was parsed */
    uint16_t own_max_frame;
    uint16_t tx_max_frame;
    uint16_t tx_seq;
    bool boot;
} s_link;

static const link_transport_t *s_transport; /* NULL: serial framing */

void link_set_transport(const link_transport_t *transport)
{
    s_transport = transport;
}

/* A transport's next message as a frame without a header (SPEC §5: no channel, no seq on MQTT). */
static bool next_message(rtp_frame_t *frame, uint64_t *t_done)
{
    const uint8_t *msg;
    size_t len;
    for (;;) {
        if (!s_transport->receive(&msg, &len)) {
            return false;
        }
        if (len >= 1 && len + RTP_FRAME_OVERHEAD <= s_link.own_max_frame) {
            break;
        }
        s_link.parser.counters.oversize++; /* more than our buffers take: dropped, as an oversize frame */
    }
    memset(frame, 0, sizeof *frame);
    frame->msg = msg;
    frame->msg_len = len;
    *t_done = port_ticks();
    s_link.parser.counters.frames_ok++;
    s_link.boot = false;
    return true;
}

void link_init(uint16_t own_max_frame)
{
    rtp_frame_parser_init(&s_link.parser, s_rx_buf, sizeof s_rx_buf);
    s_link.chunk_pos = 0;
    s_link.chunk_len = 0;
    s_link.chunk_ticks = 0;
    s_link.own_max_frame = own_max_frame;
    s_link.tx_max_frame = RTP_MAX_FRAME_DEFAULT;
    s_link.tx_seq = 0;
    s_link.boot = true;
}

bool link_next_frame(rtp_frame_t *frame, uint64_t *t_done)
{
    if (s_transport != NULL) {
        return next_message(frame, t_done);
    }
    for (;;) {
        if (s_link.chunk_pos == s_link.chunk_len) {
            size_t n = port_uart_read(s_link.chunk, sizeof s_link.chunk);
            if (n == 0) {
                return false;
            }
            s_link.chunk_ticks = port_ticks();
            s_link.chunk_pos = 0;
            s_link.chunk_len = n;
        }
        const uint8_t *p = s_link.chunk + s_link.chunk_pos;
        size_t left = s_link.chunk_len - s_link.chunk_pos;
        /* One feed call yields at most one frame, and only a yielded frame
         * can add to `lost`: so any increase below is that frame's gap. */
        s_link.lost_before = s_link.parser.counters.lost;
        bool got = rtp_frame_parser_feed(&s_link.parser, &p, &left, frame);
        s_link.chunk_pos = s_link.chunk_len - left;
        if (got) {
            s_link.boot = false; /* SPEC §2.1: first valid frame received */
            *t_done = s_link.chunk_ticks;
            return true;
        }
    }
}

void link_frame_starts_session(void)
{
    /* The parser has already taken this frame's seq as its new expectation
     * base; only the gap it counted for it is undone. The codec has no
     * "this frame opened the link" call, hence the counter fix-up (its
     * counters are documented as the owner's to adjust). */
    s_link.parser.counters.lost = s_link.lost_before;
}

void link_hello_done(uint16_t peer_max_frame)
{
    (void)rtp_frame_parser_set_max_frame(&s_link.parser, s_link.own_max_frame);
    uint16_t m = peer_max_frame < s_link.own_max_frame ? peer_max_frame : s_link.own_max_frame;
    s_link.tx_max_frame = m < RTP_MAX_FRAME_DEFAULT ? (uint16_t)RTP_MAX_FRAME_DEFAULT : m;
}

uint16_t link_own_max_frame(void)
{
    return s_link.own_max_frame;
}

size_t link_tx_max_frame(void)
{
    return s_link.tx_max_frame;
}

uint8_t *link_msg_buf(size_t *cap)
{
    *cap = sizeof s_msg_buf;
    return s_msg_buf;
}

bool link_send(uint8_t channel, const uint8_t *msg, size_t msg_len)
{
    if (msg_len == 0 || msg_len + RTP_FRAME_OVERHEAD > s_link.tx_max_frame) {
        return false;
    }
    if (s_transport != NULL) {
        s_transport->send(msg, msg_len); /* SPEC §5: the largest payload is max_frame - 9, as on serial */
        return true;
    }
    rtp_frame_hdr_t hdr = {
        .flags = s_link.boot ? RTP_FLAG_BOOT : 0u,
        .channel = channel,
        .seq = s_link.tx_seq,
    };
    size_t n = rtp_frame_encode(&hdr, msg, msg_len, s_wire_buf, sizeof s_wire_buf);
    if (n == 0) {
        return false;
    }
    s_link.tx_seq++;
    port_uart_write(s_wire_buf, n);
    return true;
}

size_t link_counters(uint64_t *out, size_t cap)
{
    return rtp_frame_counters_export(&s_link.parser.counters, out, cap);
}
