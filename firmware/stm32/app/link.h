/* Link layer of the app: UART bytes <-> verified frames (SPEC §2). Owns the
 * frame parser, the BOOT flag, the transmit sequence and max_frame policy. */
#ifndef RTINFER_APP_LINK_H
#define RTINFER_APP_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtp/frame.h"

/* A transport that frames and checks messages itself (MQTT over TCP, SPEC §5): the link then has no COBS, CRC,
 * sequence or channels, and passes whole messages. Functions are called from the main loop only. */
typedef struct {
    /* The next message received, if any (*msg valid until the next call); false when none is waiting. */
    bool (*receive)(const uint8_t **msg, size_t *len);
    /* Sends one message; the link has checked it against the peer's max_frame less the frame overhead. */
    void (*send)(const uint8_t *msg, size_t len);
} link_transport_t;

/* Makes the link use `transport` instead of the serial framing over port_uart_* (NULL: serial again). Set
 * before app_init(); it survives link_init(). */
void link_set_transport(const link_transport_t *transport);

/* Resets the link as at power-on: BOOT set, seq 0, parser empty with the
 * pre-HELLO limit of 256, peer limit 256. own_max_frame is what HELLO will
 * advertise (<= RTINFER_MAX_FRAME_CAP). */
void link_init(uint16_t own_max_frame);

/* Reads UART bytes until a valid frame completes. Returns true with the
 * frame (valid until the next call) and *t_done, the tick count when the
 * bytes completing it were read; false when the UART has nothing more. */
bool link_next_frame(rtp_frame_t *frame, uint64_t *t_done);

/* The frame last returned by link_next_frame() opened a new host session
 * (a HELLO): its sequence number only sets the expectation, as for the
 * first frame after opening a link (SPEC §2.1), so a host that restarts its
 * counter is not counted as thousands of lost frames. */
void link_frame_starts_session(void);

/* HELLO exchanged: accept frames up to our max_frame, and send frames up to
 * min(peer_max_frame, ours). */
void link_hello_done(uint16_t peer_max_frame);

uint16_t link_own_max_frame(void);
/* Largest frame we may send now. */
size_t link_tx_max_frame(void);

/* The message buffer encoders write into before link_send(); its size is
 * RTP_MSG_MAX_BYTES(RTINFER_MAX_FRAME_CAP). */
uint8_t *link_msg_buf(size_t *cap);

/* Frames msg on channel (BOOT flag while set, next seq) and writes it to
 * the UART. Returns false, sending nothing, if the frame would exceed
 * link_tx_max_frame(). */
bool link_send(uint8_t channel, const uint8_t *msg, size_t msg_len);

/* Frame-layer counters in PING order; returns RTP_FRAME_COUNTERS_N. */
size_t link_counters(uint64_t *out, size_t cap);

#endif
