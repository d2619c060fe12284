/* Error vocabulary: the wire error codes carried by ERROR messages
 * (SPEC §4.8) and the result of decoding a message (SPEC §3.4). */
#ifndef RTP_ERRORS_H
#define RTP_ERRORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtp/cbor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ERROR body key 0 `code` (u16). Receivers must tolerate codes not listed. */
typedef enum {
    RTP_ERR_UNSUPPORTED = 1,   /* unknown message type / missing capability; facts: type */
    RTP_ERR_MALFORMED = 2,     /* bad CBOR, bad shape, or a field fails its schema; facts: type */
    RTP_ERR_VERSION = 3,       /* no common protocol version; have = device's lowest */
    RTP_ERR_TOO_LARGE = 4,     /* a value exceeds a device limit; need, have */
    RTP_ERR_BAD_STATE = 5,     /* not allowed now; type */
    RTP_ERR_BUSY = 6,          /* a task set is running; type */
    RTP_ERR_NO_MODEL = 7,      /* no verified model in that slot; need = slot */
    RTP_ERR_HASH_MISMATCH = 8, /* MODEL_COMMIT SHA-256 differs, slot erased; need = slot */
    RTP_ERR_OUT_OF_RANGE = 9,  /* offset/index outside its object; need = value, have = bound */
    RTP_ERR_NO_SPACE = 10,     /* container does not fit; need = size, have = slot size */
    RTP_ERR_STORAGE = 11,      /* flash erase/program failed; need = address */
    RTP_ERR_INVALID = 12,      /* well-typed but unusable; need, have */
    RTP_ERR_NOT_TRUSTED = 13,  /* container signature missing or untrusted */
    RTP_ERR_INTERNAL = 14,     /* firmware fault */
    RTP_ERR_BUDGET = 15,       /* TEE: does not fit the TA's heap budget; need, have in bytes */
    RTP_ERR_ROLLBACK = 16,     /* TEE: sealed generation older than the TA's; need = held, have = sealed */
    RTP_ERR_AUTHENTICATION = 17 /* TEE: a sealed segment failed its tag; need = segment, have = its byte offset */
} rtp_err_code_t;

/* Spec name of a wire code ("unsupported", ..., "internal"), or NULL if the
 * code is not one of v1's. */
const char *rtp_err_code_name(uint16_t code);

/* Outcome of rtp_msg_decode(). */
typedef enum {
    RTP_DECODE_OK = 0,
    RTP_DECODE_MALFORMED = 1,  /* answer ERROR(malformed) */
    RTP_DECODE_UNSUPPORTED = 2 /* answer ERROR(unsupported) with the id */
} rtp_decode_status_t;

/* Why a message was malformed (or unsupported). */
typedef enum {
    RTP_REASON_NONE = 0,
    RTP_REASON_CBOR,         /* not well-formed CBOR (see .cbor), incl. depth > 8
                                and trailing bytes */
    RTP_REASON_SHAPE,        /* not [type: uint 0..255, id: uint 0..2^32-1, body: map] */
    RTP_REASON_UNKNOWN_TYPE, /* no body defined for this type in this direction */
    RTP_REASON_MISSING,      /* a required key is absent */
    RTP_REASON_TYPE,         /* wrong CBOR type for the field (also: a non-uint
                                body key, a text field that is not UTF-8) */
    RTP_REASON_RANGE,        /* integer outside its range; .limit = bound broken */
    RTP_REASON_LENGTH,       /* string/array length outside its limit; .limit */
    RTP_REASON_DUPLICATE,    /* a known key appears twice in one map */
    RTP_REASON_EXCLUSIVE     /* not exactly one of two keys: INFER input(3)/input_index(4), MODEL_BEGIN sha256(2)/header_sha256(6) */
} rtp_decode_reason_t;

#define RTP_ERR_NO_INDEX (-1)

/* Facts about a failed decode, for the ERROR reply and for logs. Where the
 * problem is inside a body field, key is that field's body key; if it is
 * inside an array element, index is the element's position and subkey the
 * element's own key (map elements) or position (tuple elements), else -1. */
typedef struct {
    rtp_decode_status_t status;
    rtp_decode_reason_t reason;
    rtp_cbor_err_t cbor;  /* for RTP_REASON_CBOR */
    size_t offset;        /* byte offset in the message where it was noticed */
    bool has_type;        /* type could be read (0..255) */
    uint8_t type;
    bool has_id;          /* id could be read (0..2^32-1): answer with it */
    uint32_t id;
    bool has_key;
    uint8_t key;          /* offending body key */
    int16_t index;        /* array element, or RTP_ERR_NO_INDEX */
    int16_t subkey;       /* key/position inside that element, or RTP_ERR_NO_INDEX */
    uint64_t limit;       /* the bound broken, for RANGE and LENGTH */
} rtp_decode_error_t;

/* Short stable names for logs and tests ("ok", "malformed", "unsupported";
 * "cbor", "shape", "unknown_type", "missing", "type", "range", "length",
 * "duplicate", "exclusive"). */
const char *rtp_decode_status_name(rtp_decode_status_t s);
const char *rtp_decode_reason_name(rtp_decode_reason_t r);

#ifdef __cplusplus
}
#endif
#endif
