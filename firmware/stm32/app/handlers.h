/* Per-message handlers, called by dispatch with a decoded H->D request. */
#ifndef RTINFER_APP_HANDLERS_H
#define RTINFER_APP_HANDLERS_H

#include <stddef.h>
#include <stdint.h>

#include "rtp/messages.h"

/* HELLO (SPEC §4.1): replies with the device description and completes the
 * max_frame exchange. */
void hello_handle(const rtp_msg_t *req);

/* The device description a HELLO reply carries (also the MQTT status, SPEC §5); want: the request's bits. */
void hello_fill_info(rtp_hello_info_t *h, uint8_t proto, uint8_t want);

/* Sends the unsolicited boot HELLO (id 0; BOOT flag is the link's). */
void hello_send_boot(void);

/* A HELLO that failed its schema: if that is only because the host's proto
 * is below every version we speak, answers ERROR(version) and returns true;
 * otherwise returns false (the caller answers ERROR(malformed)). */
bool hello_version_mismatch(const uint8_t *msg, size_t len, uint32_t id);

/* PING (SPEC §4.2); t_done: ticks when the request's frame completed. */
void ping_handle(const rtp_msg_t *req, uint64_t t_done);

/* The model transfer (SPEC §4.3), model_transfer.c. */
void model_transfer_init(void);
/* Off: no immediate ACK for a chunk that fills a hole (for the push bench's comparison only). */
void model_transfer_set_gap_fill_ack(bool on);
void model_begin_handle(const rtp_msg_t *req);
void model_chunk_handle(const rtp_msg_t *req); /* id 0: no reply, ACKs as SPEC §4.3 says */
void model_commit_handle(const rtp_msg_t *req);
void model_status_handle(const rtp_msg_t *req);

/* INFER (SPEC §4.4), infer.c. TASKSET/RUN/STOP are in taskset.h. */
void infer_handle(const rtp_msg_t *req);

#endif
