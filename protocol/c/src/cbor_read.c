/* CBOR reader. Every head is parsed by read_head(), the single place that
 * decides well-formedness of the initial byte and bounds-checks the
 * argument; string lengths are then checked against the bytes left. */
#include "rtp/cbor.h"

const char *rtp_cbor_err_name(rtp_cbor_err_t e)
{
    switch (e) {
    case RTP_CBOR_OK: return "ok";
    case RTP_CBOR_ERR_TRUNCATED: return "truncated";
    case RTP_CBOR_ERR_RESERVED: return "reserved";
    case RTP_CBOR_ERR_INDEFINITE: return "indefinite";
    case RTP_CBOR_ERR_TAG: return "tag";
    case RTP_CBOR_ERR_DEPTH: return "depth";
    case RTP_CBOR_ERR_TRAILING: return "trailing";
    case RTP_CBOR_ERR_TYPE: return "type";
    }
    return "?";
}

void rtp_cbor_reader_init(rtp_cbor_reader_t *r, const uint8_t *buf, size_t len)
{
    r->buf = buf;
    r->len = buf ? len : 0;
    r->pos = 0;
}

typedef struct {
    uint8_t major;
    uint8_t ai;     /* additional information, low 5 bits */
    uint64_t arg;   /* argument (for major 7: the simple value or float bits) */
    size_t next;    /* position after the head */
} head_t;

/* Parses the head at r->pos without moving the cursor. Tags and
 * indefinite lengths are rejected here, so nothing above sees them. */
static rtp_cbor_err_t read_head(const rtp_cbor_reader_t *r, head_t *h)
{
    size_t pos = r->pos;
    if (pos >= r->len)
        return RTP_CBOR_ERR_TRUNCATED;
    uint8_t ib = r->buf[pos++];
    h->major = (uint8_t)(ib >> 5);
    h->ai = ib & 0x1Fu;
    if (h->ai < 24) {
        h->arg = h->ai;
    } else if (h->ai <= 27) {
        size_t n = (size_t)1 << (h->ai - 24); /* 1, 2, 4, 8 bytes */
        if (n > r->len - pos)
            return RTP_CBOR_ERR_TRUNCATED;
        h->arg = 0;
        for (size_t i = 0; i < n; i++)
            h->arg = (h->arg << 8) | r->buf[pos++];
    } else if (h->ai <= 30) {
        return RTP_CBOR_ERR_RESERVED;
    } else { /* ai 31: indefinite length, or break */
        if (h->major == RTP_CBOR_SIMPLE)
            return RTP_CBOR_ERR_RESERVED; /* break outside an indefinite item */
        if (h->major == RTP_CBOR_UINT || h->major == RTP_CBOR_NINT || h->major == RTP_CBOR_TAG)
            return RTP_CBOR_ERR_RESERVED;
        return RTP_CBOR_ERR_INDEFINITE;
    }
    if (h->major == RTP_CBOR_TAG)
        return RTP_CBOR_ERR_TAG;
    /* RFC 8949 §3.3: a two-byte simple value below 32 is not well-formed. */
    if (h->major == RTP_CBOR_SIMPLE && h->ai == 24 && h->arg < 32)
        return RTP_CBOR_ERR_RESERVED;
    h->next = pos;
    return RTP_CBOR_OK;
}

rtp_cbor_err_t rtp_cbor_peek(const rtp_cbor_reader_t *r, uint8_t *major)
{
    head_t h;
    rtp_cbor_err_t e = read_head(r, &h);
    if (e == RTP_CBOR_OK)
        *major = h.major;
    return e;
}

/* Reads a head of the wanted major type; moves the cursor only on success. */
static rtp_cbor_err_t expect(rtp_cbor_reader_t *r, uint8_t major, head_t *h)
{
    rtp_cbor_err_t e = read_head(r, h);
    if (e != RTP_CBOR_OK)
        return e;
    if (h->major != major)
        return RTP_CBOR_ERR_TYPE;
    return RTP_CBOR_OK;
}

/* An item of `major` whose value is its head's argument: uint, array, map. */
static rtp_cbor_err_t read_arg(rtp_cbor_reader_t *r, uint8_t major, uint64_t *arg)
{
    head_t h;
    rtp_cbor_err_t e = expect(r, major, &h);
    if (e == RTP_CBOR_OK) {
        *arg = h.arg;
        r->pos = h.next;
    }
    return e;
}

rtp_cbor_err_t rtp_cbor_read_uint(rtp_cbor_reader_t *r, uint64_t *v)
{
    return read_arg(r, RTP_CBOR_UINT, v);
}

rtp_cbor_err_t rtp_cbor_read_bool(rtp_cbor_reader_t *r, bool *v)
{
    head_t h;
    rtp_cbor_err_t e = expect(r, RTP_CBOR_SIMPLE, &h);
    if (e != RTP_CBOR_OK)
        return e;
    if (h.ai != 20 && h.ai != 21)
        return RTP_CBOR_ERR_TYPE; /* only the one-byte false/true */
    *v = h.ai == 21;
    r->pos = h.next;
    return RTP_CBOR_OK;
}

static rtp_cbor_err_t read_string(rtp_cbor_reader_t *r, uint8_t major, const uint8_t **p, size_t *n)
{
    head_t h;
    rtp_cbor_err_t e = expect(r, major, &h);
    if (e != RTP_CBOR_OK)
        return e;
    if (h.arg > r->len - h.next)
        return RTP_CBOR_ERR_TRUNCATED;
    *p = r->buf + h.next;
    *n = (size_t)h.arg;
    r->pos = h.next + (size_t)h.arg;
    return RTP_CBOR_OK;
}

rtp_cbor_err_t rtp_cbor_read_bstr(rtp_cbor_reader_t *r, const uint8_t **p, size_t *n)
{
    return read_string(r, RTP_CBOR_BSTR, p, n);
}

rtp_cbor_err_t rtp_cbor_read_tstr(rtp_cbor_reader_t *r, const char **p, size_t *n)
{
    const uint8_t *u;
    rtp_cbor_err_t e = read_string(r, RTP_CBOR_TSTR, &u, n);
    if (e == RTP_CBOR_OK)
        *p = (const char *)u;
    return e;
}

rtp_cbor_err_t rtp_cbor_read_array(rtp_cbor_reader_t *r, uint64_t *count)
{
    return read_arg(r, RTP_CBOR_ARRAY, count);
}

rtp_cbor_err_t rtp_cbor_read_map(rtp_cbor_reader_t *r, uint64_t *pairs)
{
    return read_arg(r, RTP_CBOR_MAP, pairs);
}

rtp_cbor_err_t rtp_cbor_skip(rtp_cbor_reader_t *r, unsigned depth)
{
    head_t h;
    rtp_cbor_err_t e = read_head(r, &h);
    if (e != RTP_CBOR_OK)
        return e;
    switch (h.major) {
    case RTP_CBOR_BSTR:
    case RTP_CBOR_TSTR:
        if (h.arg > r->len - h.next)
            return RTP_CBOR_ERR_TRUNCATED;
        r->pos = h.next + (size_t)h.arg;
        return RTP_CBOR_OK;
    case RTP_CBOR_ARRAY:
    case RTP_CBOR_MAP: {
        if (depth == 0)
            return RTP_CBOR_ERR_DEPTH;
        /* Each item takes at least one byte, so a count larger than the
         * bytes left is truncated; checking first also bounds the loop. */
        uint64_t items = h.arg;
        size_t left = r->len - h.next;
        if (h.major == RTP_CBOR_MAP) {
            if (items > left / 2)
                return RTP_CBOR_ERR_TRUNCATED;
            items *= 2;
        }
        if (items > left)
            return RTP_CBOR_ERR_TRUNCATED;
        r->pos = h.next;
        for (uint64_t i = 0; i < items; i++) {
            e = rtp_cbor_skip(r, depth - 1);
            if (e != RTP_CBOR_OK)
                return e; /* cursor stays at the offending item */
        }
        return RTP_CBOR_OK;
    }
    default: /* ints, simple values, floats: the head is the whole item */
        r->pos = h.next;
        return RTP_CBOR_OK;
    }
}

rtp_cbor_err_t rtp_cbor_check(const uint8_t *buf, size_t len, unsigned max_depth, size_t *err_pos)
{
    rtp_cbor_reader_t r;
    rtp_cbor_reader_init(&r, buf, len);
    rtp_cbor_err_t e = rtp_cbor_skip(&r, max_depth);
    if (e == RTP_CBOR_OK && !rtp_cbor_at_end(&r))
        e = RTP_CBOR_ERR_TRAILING;
    if (err_pos)
        *err_pos = r.pos;
    return e;
}
