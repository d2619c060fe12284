/* Message dispatch: decode a verified frame's message (H->D), route it to
 * its handler, answer bad input as SPEC §3.4 says, count what the frame
 * layer cannot (malformed, unsupported). */
#ifndef RTINFER_APP_DISPATCH_H
#define RTINFER_APP_DISPATCH_H

#include <stdint.h>

#include "rtp/frame.h"

void dispatch_init(void);
void dispatch_frame(const rtp_frame_t *frame, uint64_t t_done);

uint32_t dispatch_malformed(void);
uint32_t dispatch_unsupported(void);

#endif
