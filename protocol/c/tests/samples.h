/* Hand-built example messages for every (type, direction), written without
 * the descriptor tables so they test them independently. */
#ifndef RTP_TEST_SAMPLES_H
#define RTP_TEST_SAMPLES_H

#include "rtp/messages.h"

typedef struct {
    uint8_t type;
    rtp_dir_t dir;
} sample_kind_t;

/* Every (type, dir) v1 defines. */
extern const sample_kind_t sample_kinds[];
extern const size_t sample_kind_count;

/* full: every optional field present, arrays at capacity where practical.
 * Otherwise every optional field absent and arrays at their minimum. */
void sample_build(uint8_t type, rtp_dir_t dir, bool full, rtp_msg_t *m);

#endif
