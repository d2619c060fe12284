/*
 * Tensors larger than a frame (SPEC §4.4.1): an INFER's input arriving in INFER_PART pieces, and the parts of a
 * RESULT that did not fit the reply (the output, the layer ticks), read with RESULT_PART. Shared by the reference
 * firmware (infer.c) and the TEE agent (firmware/optee/agent/agent_infer.c): each says where the input goes and
 * how to run once it is all there; this file keeps the offsets, the refusals and the lifetime rule. No buffers of
 * its own: the input lands where the engine reads it, and a withheld part is read where the run left it.
 */
#ifndef RTINFER_APP_INFER_PIECES_H
#define RTINFER_APP_INFER_PIECES_H

#include <stdbool.h>
#include <stdint.h>

#include "rtp/messages.h"

/* Runs the inference whose input is complete and answers `infer_id` with RESULT or ERROR. */
typedef void (*infer_pieces_run_fn)(uint32_t infer_id);

/* An INFER with input_size passed every check: keep it open, unanswered, and take its `size` input bytes into
 * `buffer`; when they are all in, call `run`. */
void infer_pieces_open(uint32_t infer_id, uint8_t *buffer, uint32_t size, infer_pieces_run_fn run);

/* Whether *m repeats the open INFER (its id: an MQTT QoS 1 duplicate, SPEC §5): the device drops it, unanswered,
 * and the INFER stays open. */
bool infer_pieces_repeats_open(const rtp_msg_t *m);

/* Whether a message of `type` leaves an open INFER and a withheld result alone (PING, MODEL_STATUS, INFER_PART,
 * RESULT_PART). */
bool infer_pieces_survive(uint8_t type);

/* Any other message arrived: an open INFER is answered bad_state (its input abandoned), a withheld result is
 * forgotten. */
void infer_pieces_abandon(void);

/* INFER_PART and RESULT_PART requests (dispatch). */
void infer_part_handle(const rtp_msg_t *req);
void result_part_handle(const rtp_msg_t *req);

/* Puts the output and the layer ticks into the RESULT *m, or withholds (output_size, layer_count) what does not
 * fit the host's frame or the field's 64 entries. Withheld bytes are read in place later, so `output` and
 * `layer_ticks` must stay untouched until the next message that does not survive. `want`: the request's bits. */
void infer_pieces_fill_result(rtp_msg_t *m, uint8_t want, const uint8_t *output, uint32_t output_bytes,
                              const uint64_t *layer_ticks, uint32_t layer_count);

#endif
