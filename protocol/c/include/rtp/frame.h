/* Serial framing (SPEC §2): header | message | CRC-32C, COBS-encoded, then
 * one 0x00 delimiter.
 *
 *   offset 0 version (1)  1 flags (bit 0 BOOT)  2 channel  3..4 seq (u16 LE)
 *   5..5+n-1 message (n >= 1)  5+n..8+n CRC-32C of bytes [0, 5+n) (u32 LE)
 *
 * Sending: rtp_frame_encode() writes the full wire form into a caller buffer
 * sized with RTP_WIRE_MAX_BYTES(frame_len).
 *
 * Receiving: rtp_frame_parser_t is a byte-driven state machine over a caller
 * buffer. It COBS-decodes as bytes arrive, so the buffer only needs to hold
 * one decoded frame (max_frame bytes). It drops a run as oversize as soon as
 * the encoded run passes max_frame + ceil(max_frame/254) + 1 bytes (SPEC
 * §2.3) and then discards to the next 0x00. At the delimiter it checks, in
 * the TypeScript codec's order: cobs, short, oversize, crc, version. It
 * tracks the sequence and counts every drop as SPEC §2.4 says. No allocation, no
 * globals: all state is in the struct the caller owns. */
#ifndef RTP_FRAME_H
#define RTP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RTP_FRAME_VERSION 1u
#define RTP_FRAME_HDR_BYTES 5u
#define RTP_FRAME_CRC_BYTES 4u
#define RTP_FRAME_OVERHEAD (RTP_FRAME_HDR_BYTES + RTP_FRAME_CRC_BYTES) /* 9 */
#define RTP_FRAME_MIN_BYTES (RTP_FRAME_OVERHEAD + 1u)                  /* 10 */
#define RTP_MAX_FRAME_DEFAULT 256u /* before HELLO completes; every side accepts it */
#define RTP_MAX_FRAME_LIMIT 65535u /* largest max_frame a HELLO can carry */

#define RTP_FLAG_BOOT 0x01u

enum {
    RTP_CHANNEL_CONTROL = 0,
    RTP_CHANNEL_BULK = 1,
    RTP_CHANNEL_TRACE = 2,
    RTP_CHANNEL_LOG = 3
};

/* Largest message that fits a frame of max_frame bytes. */
#define RTP_MSG_MAX_BYTES(max_frame) ((max_frame) - RTP_FRAME_OVERHEAD)
/* Wire bytes (COBS + delimiter) for a frame of at most max_frame bytes:
 * max_frame + ceil(max_frame/254) + 1, plus the 0x00. Use it to size
 * static transmit buffers. */
#define RTP_WIRE_MAX_BYTES(max_frame) ((max_frame) + ((max_frame) + 253u) / 254u + 1u + 1u)
/* Receive buffer for a parser accepting frames of up to max_frame bytes. */
#define RTP_PARSER_BUF_BYTES(max_frame) (max_frame)

/* Header fields of a frame. The version is not here: the encoder always
 * writes RTP_FRAME_VERSION and the parser only yields version-1 frames. */
typedef struct {
    uint8_t flags;   /* RTP_FLAG_BOOT; reserved bits are kept as received */
    uint8_t channel; /* RTP_CHANNEL_* */
    uint16_t seq;
} rtp_frame_hdr_t;

/* A verified frame. msg points into the parser's buffer and stays valid
 * until the next byte is fed to that parser. */
typedef struct {
    rtp_frame_hdr_t hdr;
    const uint8_t *msg;
    size_t msg_len; /* >= 1 */
} rtp_frame_t;

/* Encodes hdr + msg + CRC as COBS followed by 0x00 into out. Returns the
 * number of wire bytes, or 0 if msg_len is 0 or out is too small (cap >=
 * RTP_WIRE_MAX_BYTES(msg_len + RTP_FRAME_OVERHEAD) always suffices). It does
 * not enforce the peer's max_frame: that is the sender's policy. */
size_t rtp_frame_encode(const rtp_frame_hdr_t *hdr, const uint8_t *msg, size_t msg_len,
                        uint8_t *out, size_t cap);

/* Receive counters (SPEC §2.4). `too_short` is the spec's `short` (a C
 * keyword). All wrap modulo 2^32. */
typedef struct {
    uint32_t frames_ok; /* frames yielded */
    uint32_t cobs;      /* a code byte pointed past the end of the run */
    uint32_t too_short; /* decoded frame shorter than 10 bytes */
    uint32_t crc;       /* CRC-32C mismatch */
    uint32_t oversize;  /* longer than max_frame (counted once per run) */
    uint32_t version;   /* version byte not 1 */
    uint32_t lost;      /* frames missing from the sequence */
} rtp_frame_counters_t;

/* Number of counters rtp_frame_counters_export() writes. */
#define RTP_FRAME_COUNTERS_N 7u

/* Writes the counters in PING order (frames_ok, cobs, short, crc, oversize,
 * version, lost) into out[0..cap). Returns how many were written (<= 7).
 * The device appends its own malformed and unsupported counts after them. */
size_t rtp_frame_counters_export(const rtp_frame_counters_t *c, uint64_t *out, size_t cap);

/* Streaming parser. Fields are private except `counters`, which the owner
 * may read or clear at any time. */
typedef struct {
    uint8_t *buf;        /* decoded frame so far */
    size_t cap;          /* size of buf */
    size_t max_frame;    /* current limit, <= cap */
    size_t len;          /* decoded bytes in the run (only max_frame are stored) */
    size_t run_len;      /* encoded bytes in the run */
    uint8_t block_left;  /* data bytes still due in the current COBS block */
    bool in_run;         /* a code byte has been seen since the last 0x00 */
    bool zero_pending;   /* the current block ends in an implied zero */
    bool discarding;     /* oversize: drop bytes up to the next 0x00 */
    bool seq_known;      /* a frame has set the sequence expectation */
    uint16_t seq_expect;
    rtp_frame_counters_t counters;
} rtp_frame_parser_t;

/* Prepares p over buf[0..cap). max_frame starts at min(cap, 256) (SPEC
 * §2.3: 256 until HELLO completes). cap should be at least 256; a smaller
 * buffer only accepts smaller frames. Counters start at zero and the
 * sequence expectation is unset (first frame after opening a link). */
void rtp_frame_parser_init(rtp_frame_parser_t *p, uint8_t *buf, size_t cap);

/* Changes the largest accepted frame, e.g. to this side's advertised
 * max_frame once HELLO has been exchanged. Returns false (and changes
 * nothing) unless RTP_FRAME_MIN_BYTES <= max_frame <= min(cap, 65535).
 * Takes effect for the run in progress too. */
bool rtp_frame_parser_set_max_frame(rtp_frame_parser_t *p, size_t max_frame);

/* Forgets the sequence expectation, as after (re)opening the link; the next
 * valid frame only sets it. Does not touch counters or a run in progress. */
void rtp_frame_parser_reset_seq(rtp_frame_parser_t *p);

/* Drops any partial run; the next byte starts a new run. For a link (re)open
 * or after a receive error reported by the UART. Not counted. */
void rtp_frame_parser_flush(rtp_frame_parser_t *p);

/* Feeds one byte. Returns true when it completes a valid frame, which is
 * then described in *frame (valid until the next call on p). */
bool rtp_frame_parser_push(rtp_frame_parser_t *p, uint8_t byte, rtp_frame_t *frame);

/* Feeds bytes from *data (*len of them), stopping right after a byte that
 * completes a frame. Advances *data and decreases *len by what it consumed.
 * Returns true if a frame is ready in *frame. Typical use:
 *   while (rtp_frame_parser_feed(&p, &d, &n, &f)) handle(&f);  */
bool rtp_frame_parser_feed(rtp_frame_parser_t *p, const uint8_t **data, size_t *len,
                           rtp_frame_t *frame);

#ifdef __cplusplus
}
#endif
#endif
