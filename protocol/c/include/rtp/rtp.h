/* rtinfer wire protocol v1, C codec: everything in one include. */
#ifndef RTP_RTP_H
#define RTP_RTP_H

#include "rtp/crc32c.h"
#include "rtp/le.h"
#include "rtp/cobs.h"
#include "rtp/cbor.h"
#include "rtp/frame.h"
#include "rtp/errors.h"
#include "rtp/messages.h"

#endif
