/* Private: the field-descriptor tables that drive the message codec.
 *
 * A schema describes one CBOR container that maps onto one C struct:
 *   - a map (message bodies, slot entries, tasks): fields by key, any order
 *     on input, ascending key order on output, unknown keys skipped;
 *   - a tuple (sack ranges, trec entries, trace events): a fixed-length array,
 *     fields by position (`key` is the position).
 * Field kinds cover every v1 field; arrays of records point at a sub-schema.
 * Field lists are sorted by key; decode, encode, check and equality all walk
 * the same tables (msg_decode.c, msg_encode.c, msg_equal.c). */
#ifndef RTP_SCHEMA_H
#define RTP_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtp/messages.h"

typedef enum {
    F_UINT,    /* unsigned int of `size` bytes at off, in [min, max] */
    F_BOOL,    /* bool at off */
    F_BSTR,    /* rtp_bytes_t at off, length in [min_len, max_len] */
    F_TSTR,    /* rtp_str_t at off, UTF-8, length in [min_len, max_len] */
    F_UINTS,   /* array of `size`-byte uints at off, count (uint8_t) at cnt_off
                  in [min_len, max_len], each in [min, max] */
    F_RECORDS, /* array of sub-schema records at off (stride sub->stride),
                  count (uint8_t) at cnt_off in [min_len, max_len] */
    F_UARG     /* uint, or array of [min_len, max_len] uints (trace event arg):
                  uint64_t[] at off, count at cnt_off, bool is_array at has_off */
} field_kind_t;

typedef struct schema schema_t;

typedef struct {
    uint8_t key;      /* map key, or tuple position */
    uint8_t kind;     /* field_kind_t */
    uint8_t size;     /* bytes of one uint (1, 2, 4, 8) */
    bool opt;         /* optional: has_off is its has_ flag */
    uint16_t off;     /* value (or first element) offset in the record */
    uint16_t has_off; /* bool has_<field> (F_UARG: bool arg_is_array) */
    uint16_t cnt_off; /* uint8_t element count for arrays */
    uint32_t min_len, max_len;
    uint64_t min, max; /* value range */
    uint64_t dflt;     /* value stored when an optional uint/bool is absent */
    const schema_t *sub;
} field_t;

struct schema {
    const field_t *fields;
    uint8_t n;
    bool tuple;      /* positional array rather than a map */
    uint16_t stride; /* sizeof the record struct (for arrays of records) */
};

/* Cross-field rule run after a body decodes and before it encodes.
 * Returns RTP_REASON_NONE if the body is fine. */
typedef rtp_decode_reason_t (*body_rule_t)(const void *body, uint8_t *key);

typedef struct {
    uint8_t type;
    uint8_t dir; /* rtp_dir_t */
    const schema_t *body;
    body_rule_t rule; /* may be NULL */
} msg_def_t;

/* The definition of (type, dir), or NULL if v1 has none. */
const msg_def_t *rtp_schema_find(uint8_t type, rtp_dir_t dir);

/* Codec helpers shared by the walkers. */
uint64_t rtp_schema_get_uint(const void *p, unsigned size);
void rtp_schema_put_uint(void *p, unsigned size, uint64_t v);
bool rtp_utf8_valid(const char *s, size_t n);

/* Error-context helpers: the walkers record where they are so a failure can
 * name the body key, array index and element key. */
typedef struct {
    rtp_decode_error_t *err; /* never NULL inside the walkers */
    int level;               /* 0 body, 1 inside an array element */
} walk_ctx_t;

static inline bool walk_fail(walk_ctx_t *c, rtp_decode_reason_t reason, uint64_t limit)
{
    c->err->status = RTP_DECODE_MALFORMED;
    c->err->reason = reason;
    c->err->limit = limit;
    return false;
}

static inline void walk_at_field(walk_ctx_t *c, const field_t *f)
{
    if (c->level == 0) {
        c->err->has_key = true;
        c->err->key = f->key;
        c->err->index = RTP_ERR_NO_INDEX;
        c->err->subkey = RTP_ERR_NO_INDEX;
    } else {
        c->err->subkey = f->key;
    }
}

static inline void walk_at_index(walk_ctx_t *c, size_t i)
{
    c->err->index = (int16_t)i;
    c->err->subkey = RTP_ERR_NO_INDEX;
}

void rtp_decode_error_clear(rtp_decode_error_t *e);

#endif
