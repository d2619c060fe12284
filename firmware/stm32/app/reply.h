/* Sending D->H messages: encode, frame, write; ERROR helpers. */
#ifndef RTINFER_APP_REPLY_H
#define RTINFER_APP_REPLY_H

#include <stdbool.h>
#include <stdint.h>

#include "rtp/messages.h"

/* The app's one outgoing message struct (static; large on purpose so that
 * no handler keeps an rtp_msg_t on its stack). Fill it, then reply_send(). */
rtp_msg_t *reply_msg(void);

/* reply_msg(), emptied and addressed: a D->H message of `type` answering `id`. */
rtp_msg_t *reply_begin(uint8_t type, uint32_t id);

/* Encodes *m (dir D2H) and sends it on its channel (SPEC §2.1, rtp_msg_channel:
 * replies and ERRORs on control, the id-0 MODEL_ACK on bulk, TRACE on trace). If the frame
 * would exceed the peer's max_frame, sends ERROR(too_large) with the same
 * id instead; if *m fails its schema, ERROR(internal). Returns true if *m
 * itself was sent. */
bool reply_send(const rtp_msg_t *m);

/* Sends ERROR(code) answering id; type >= 0 adds the `type` fact. */
void reply_error(uint32_t id, uint16_t code, const char *message, int type);

/* The facts an ERROR carries (SPEC §4.8): the offending type (-1: none), and
 * what was needed against what the device has. */
typedef struct {
    int type;
    bool has_need;
    uint64_t need;
    bool has_have;
    uint64_t have;
} reply_facts_t;

/* Sends ERROR(code) for request `id` with its facts; message is kept by reference. */
void reply_error_facts(uint32_t id, uint16_t code, const char *message, const reply_facts_t *facts);

/* Sends ERROR(code) for request `id` of `type` with both facts, need and have. */
void reply_error_need_have(uint32_t id, uint16_t code, const char *message, int type, uint64_t need, uint64_t have);

#endif
