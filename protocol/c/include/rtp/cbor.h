/* Minimal CBOR (RFC 8949) for the rtinfer message layer (SPEC §3.2).
 *
 * Writer: unsigned ints (to 2^64-1), bool, byte/text strings, array and map
 * headers; always the shortest form, so output is deterministic (§4.2.1) when
 * the caller writes map keys in ascending order. Overflow is sticky: the
 * writer keeps counting the bytes it would have written, so a writer with
 * cap 0 measures an encoding.
 *
 * Reader: a cursor over a caller buffer. Accepts non-shortest integer and
 * length forms; rejects indefinite lengths, tags, reserved additional-info
 * values and nesting deeper than the depth given. Every length is checked
 * against the bytes left before it is used, so no input can make it read
 * past the end. A failed read leaves the cursor where it was, except
 * rtp_cbor_skip(), which leaves it at the nested item that failed. */
#ifndef RTP_CBOR_H
#define RTP_CBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Major types. */
enum {
    RTP_CBOR_UINT = 0,
    RTP_CBOR_NINT = 1,
    RTP_CBOR_BSTR = 2,
    RTP_CBOR_TSTR = 3,
    RTP_CBOR_ARRAY = 4,
    RTP_CBOR_MAP = 5,
    RTP_CBOR_TAG = 6,
    RTP_CBOR_SIMPLE = 7 /* simple values, floats, break */
};

/* Nesting limit of SPEC §7: at most 8 containers inside one another,
 * counting the message's outer array as the first. */
#define RTP_CBOR_MAX_DEPTH 8u

/* Largest head (initial byte + argument) the writer emits. */
#define RTP_CBOR_MAX_HEAD 9u

typedef enum {
    RTP_CBOR_OK = 0,
    RTP_CBOR_ERR_TRUNCATED,  /* item, argument or string runs past the end */
    RTP_CBOR_ERR_RESERVED,   /* additional info 28..30, stray break 0xFF,
                                or a two-byte simple value below 32 */
    RTP_CBOR_ERR_INDEFINITE, /* indefinite-length string, array or map */
    RTP_CBOR_ERR_TAG,        /* major type 6 */
    RTP_CBOR_ERR_DEPTH,      /* containers nested deeper than allowed */
    RTP_CBOR_ERR_TRAILING,   /* bytes after the top-level item */
    RTP_CBOR_ERR_TYPE        /* well-formed, but not the type asked for */
} rtp_cbor_err_t;

/* Short stable name for logs and test output ("truncated", "tag", ...). */
const char *rtp_cbor_err_name(rtp_cbor_err_t e);

/* ---- writer ---- */

typedef struct {
    uint8_t *buf; /* may be NULL when cap is 0 (measuring) */
    size_t cap;
    size_t len;   /* bytes written, or that would have been; > cap on overflow */
} rtp_cbor_writer_t;

void rtp_cbor_writer_init(rtp_cbor_writer_t *w, uint8_t *buf, size_t cap);
/* True while everything written so far fitted. */
static inline bool rtp_cbor_writer_ok(const rtp_cbor_writer_t *w) { return w->len <= w->cap; }

void rtp_cbor_put_uint(rtp_cbor_writer_t *w, uint64_t v);
void rtp_cbor_put_bool(rtp_cbor_writer_t *w, bool v);
void rtp_cbor_put_bstr(rtp_cbor_writer_t *w, const uint8_t *p, size_t n);
void rtp_cbor_put_tstr(rtp_cbor_writer_t *w, const char *p, size_t n);
void rtp_cbor_put_array(rtp_cbor_writer_t *w, uint64_t count); /* then count items */
void rtp_cbor_put_map(rtp_cbor_writer_t *w, uint64_t pairs);   /* then key, value... */

/* ---- reader ---- */

typedef struct {
    const uint8_t *buf;
    size_t len;
    size_t pos;
} rtp_cbor_reader_t;

void rtp_cbor_reader_init(rtp_cbor_reader_t *r, const uint8_t *buf, size_t len);
static inline bool rtp_cbor_at_end(const rtp_cbor_reader_t *r) { return r->pos >= r->len; }

/* Major type of the next item without consuming it. */
rtp_cbor_err_t rtp_cbor_peek(const rtp_cbor_reader_t *r, uint8_t *major);

rtp_cbor_err_t rtp_cbor_read_uint(rtp_cbor_reader_t *r, uint64_t *v);
rtp_cbor_err_t rtp_cbor_read_bool(rtp_cbor_reader_t *r, bool *v);
/* Strings are zero-copy: *p points into the reader's buffer. */
rtp_cbor_err_t rtp_cbor_read_bstr(rtp_cbor_reader_t *r, const uint8_t **p, size_t *n);
rtp_cbor_err_t rtp_cbor_read_tstr(rtp_cbor_reader_t *r, const char **p, size_t *n);
/* Container headers: the caller then reads count items (2*pairs for maps).
 * The count is as encoded, not yet checked against the bytes left. */
rtp_cbor_err_t rtp_cbor_read_array(rtp_cbor_reader_t *r, uint64_t *count);
rtp_cbor_err_t rtp_cbor_read_map(rtp_cbor_reader_t *r, uint64_t *pairs);

/* Skips one well-formed item of any type (ints, strings, floats, simple
 * values, nested containers). depth is how many container levels the item
 * may open: 0 means it must be a scalar. */
rtp_cbor_err_t rtp_cbor_skip(rtp_cbor_reader_t *r, unsigned depth);

/* Checks that buf holds exactly one well-formed item with at most max_depth
 * nested containers and nothing after it. *err_pos (may be NULL) gets the
 * offset where a problem was found. */
rtp_cbor_err_t rtp_cbor_check(const uint8_t *buf, size_t len, unsigned max_depth, size_t *err_pos);

#ifdef __cplusplus
}
#endif
#endif
