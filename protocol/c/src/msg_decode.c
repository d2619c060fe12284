/* rtp_msg_decode(): the receiver's checks of SPEC §3.2/§3.4, in order:
 *   1. the whole message is well-formed CBOR (definite, untagged, depth <= 8,
 *      no trailing bytes) -- a separate pass, so a later schema error can
 *      never be confused with, or mask, a well-formedness error;
 *   2. shape [type uint <= 255, id uint <= 2^32-1, body map];
 *   3. (type, direction) is known, else unsupported;
 *   4. the body, walked with its descriptor table (schema.h).
 * Because pass 1 has proven the bytes well-formed and bounded, the walker
 * below only has to check types, ranges, lengths and keys. */
#include <string.h>

#include "schema.h"

_Static_assert(sizeof(rtp_str_t) == sizeof(rtp_bytes_t) &&
                   offsetof(rtp_str_t, len) == offsetof(rtp_bytes_t, len),
               "string and byte views must share a layout");

static bool decode_record(walk_ctx_t *c, rtp_cbor_reader_t *r, const schema_t *s, uint8_t *base);

static void put_count(uint8_t *base, const field_t *f, size_t n)
{
    base[f->cnt_off] = (uint8_t)n; /* all capacities are <= 64 */
}

static void set_flag(uint8_t *base, uint16_t off, bool v) { memcpy(base + off, &v, sizeof v); }

static bool read_uint_in(walk_ctx_t *c, rtp_cbor_reader_t *r, const field_t *f, uint64_t *v)
{
    if (rtp_cbor_read_uint(r, v) != RTP_CBOR_OK)
        return walk_fail(c, RTP_REASON_TYPE, 0);
    if (*v < f->min)
        return walk_fail(c, RTP_REASON_RANGE, f->min);
    if (*v > f->max)
        return walk_fail(c, RTP_REASON_RANGE, f->max);
    return true;
}

/* Array header with its count checked against [min_len, max_len]. */
static bool read_count(walk_ctx_t *c, rtp_cbor_reader_t *r, const field_t *f, uint64_t *n)
{
    if (rtp_cbor_read_array(r, n) != RTP_CBOR_OK)
        return walk_fail(c, RTP_REASON_TYPE, 0);
    if (*n < f->min_len)
        return walk_fail(c, RTP_REASON_LENGTH, f->min_len);
    if (*n > f->max_len)
        return walk_fail(c, RTP_REASON_LENGTH, f->max_len);
    return true;
}

static bool decode_field(walk_ctx_t *c, rtp_cbor_reader_t *r, const field_t *f, uint8_t *base)
{
    uint8_t *dst = base + f->off;
    uint64_t v, n;
    switch ((field_kind_t)f->kind) {
    case F_UINT:
        if (!read_uint_in(c, r, f, &v))
            return false;
        rtp_schema_put_uint(dst, f->size, v);
        return true;
    case F_BOOL: {
        bool b;
        if (rtp_cbor_read_bool(r, &b) != RTP_CBOR_OK)
            return walk_fail(c, RTP_REASON_TYPE, 0);
        memcpy(dst, &b, sizeof b);
        return true;
    }
    case F_BSTR:
    case F_TSTR: {
        rtp_bytes_t view;
        rtp_cbor_err_t e;
        if (f->kind == F_BSTR) {
            e = rtp_cbor_read_bstr(r, &view.ptr, &view.len);
        } else {
            const char *s;
            e = rtp_cbor_read_tstr(r, &s, &view.len);
            view.ptr = (const uint8_t *)s;
        }
        if (e != RTP_CBOR_OK)
            return walk_fail(c, RTP_REASON_TYPE, 0);
        if (view.len < f->min_len)
            return walk_fail(c, RTP_REASON_LENGTH, f->min_len);
        if (view.len > f->max_len)
            return walk_fail(c, RTP_REASON_LENGTH, f->max_len);
        if (f->kind == F_TSTR && !rtp_utf8_valid((const char *)view.ptr, view.len))
            return walk_fail(c, RTP_REASON_TYPE, 0);
        /* rtp_bytes_t and rtp_str_t share one layout: {char-type ptr, size_t} */
        memcpy(dst, &view, sizeof view);
        return true;
    }
    case F_UINTS:
        if (!read_count(c, r, f, &n))
            return false;
        for (size_t i = 0; i < n; i++) {
            if (c->level == 0)
                walk_at_index(c, i);
            if (!read_uint_in(c, r, f, &v))
                return false;
            rtp_schema_put_uint(dst + i * f->size, f->size, v);
        }
        put_count(base, f, n);
        return true;
    case F_RECORDS:
        if (!read_count(c, r, f, &n))
            return false;
        c->level++;
        for (size_t i = 0; i < n; i++) {
            walk_at_index(c, i);
            if (!decode_record(c, r, f->sub, dst + i * f->sub->stride))
                return false;
        }
        c->level--;
        put_count(base, f, n);
        return true;
    case F_UARG: {
        uint8_t major;
        if (rtp_cbor_peek(r, &major) == RTP_CBOR_OK && major == RTP_CBOR_UINT) {
            if (!read_uint_in(c, r, f, &v))
                return false;
            memcpy(dst, &v, sizeof v);
            set_flag(base, f->has_off, false);
            put_count(base, f, 0);
            return true;
        }
        if (!read_count(c, r, f, &n))
            return false;
        for (size_t i = 0; i < n; i++) {
            if (!read_uint_in(c, r, f, &v))
                return false;
            memcpy(dst + i * sizeof v, &v, sizeof v);
        }
        set_flag(base, f->has_off, true);
        put_count(base, f, n);
        return true;
    }
    }
    return walk_fail(c, RTP_REASON_TYPE, 0);
}

static const field_t *find_field(const schema_t *s, uint64_t key)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->fields[i].key == key)
            return &s->fields[i];
    return NULL;
}

/* Absent optional fields: has_ = false and the spec default in the value, so
 * the application reads one place and re-encoding keeps the absence. */
static bool finish_record(walk_ctx_t *c, const schema_t *s, uint8_t *base, uint32_t seen)
{
    for (size_t i = 0; i < s->n; i++) {
        const field_t *f = &s->fields[i];
        if (seen & (1u << i))
            continue;
        if (!f->opt) {
            walk_at_field(c, f);
            return walk_fail(c, RTP_REASON_MISSING, 0);
        }
        set_flag(base, f->has_off, false);
        if (f->kind == F_UINT)
            rtp_schema_put_uint(base + f->off, f->size, f->dflt);
        else if (f->kind == F_BOOL)
            set_flag(base, f->off, f->dflt != 0);
    }
    return true;
}

/* True if `key` already occurs among the map's keys in [from, to). Only
 * used for out-of-order keys >= 64; the bytes were checked well-formed. */
static bool key_seen_before(const rtp_cbor_reader_t *r, size_t from, size_t to, uint64_t key)
{
    rtp_cbor_reader_t scan = *r;
    scan.pos = from;
    while (scan.pos < to) {
        uint64_t k;
        if (rtp_cbor_read_uint(&scan, &k) != RTP_CBOR_OK)
            return false; /* cannot happen: earlier keys were all uints */
        if (k == key)
            return true;
        (void)rtp_cbor_skip(&scan, RTP_CBOR_MAX_DEPTH);
    }
    return false;
}

/* A map record. SPEC §3.2: every key of a known map must be a uint
 * (messages.cddl `* uint => any`) and none may repeat, known or not; values
 * of unknown keys are skipped whatever they are. Duplicates are found with a
 * bitmap for keys < 64 (all v1 keys) and, for larger keys, a rescan that
 * only runs when such a key arrives out of ascending order, so canonical
 * input never pays for it. */
static bool decode_map(walk_ctx_t *c, rtp_cbor_reader_t *r, const schema_t *s, uint8_t *base)
{
    uint64_t pairs;
    if (rtp_cbor_read_map(r, &pairs) != RTP_CBOR_OK)
        return walk_fail(c, RTP_REASON_TYPE, 0);
    size_t entries = r->pos;
    uint32_t seen = 0;       /* bit i: s->fields[i] decoded (< 32 fields per schema) */
    uint64_t small_keys = 0; /* bit k: key k < 64 seen */
    uint64_t big_max = 0;    /* largest key >= 64 seen so far (0: none) */
    for (uint64_t p = 0; p < pairs; p++) {
        size_t key_at = r->pos;
        uint64_t key;
        if (rtp_cbor_read_uint(r, &key) != RTP_CBOR_OK) {
            if (c->level == 0)
                c->err->has_key = false;
            else
                c->err->subkey = RTP_ERR_NO_INDEX;
            return walk_fail(c, RTP_REASON_TYPE, 0);
        }
        bool dup;
        if (key < 64) {
            dup = (small_keys >> key) & 1u;
            small_keys |= (uint64_t)1 << key;
        } else {
            dup = key <= big_max && key_seen_before(r, entries, key_at, key);
            if (key > big_max)
                big_max = key;
        }
        const field_t *f = find_field(s, key);
        if (f) {
            walk_at_field(c, f);
        } else if (c->level == 0) {
            c->err->has_key = key <= UINT8_MAX;
            c->err->key = (uint8_t)key;
        } else {
            c->err->subkey = key <= INT16_MAX ? (int16_t)key : RTP_ERR_NO_INDEX;
        }
        if (dup)
            return walk_fail(c, RTP_REASON_DUPLICATE, 0);
        if (!f) {
            /* Unknown key: ignore its value whatever it is (SPEC §6). The
             * message already passed the depth check, so any depth is fine. */
            if (rtp_cbor_skip(r, RTP_CBOR_MAX_DEPTH) != RTP_CBOR_OK)
                return walk_fail(c, RTP_REASON_CBOR, 0);
            continue;
        }
        seen |= 1u << (f - s->fields);
        if (f->opt)
            set_flag(base, f->has_off, true);
        if (!decode_field(c, r, f, base))
            return false;
    }
    return finish_record(c, s, base, seen);
}

static bool decode_tuple(walk_ctx_t *c, rtp_cbor_reader_t *r, const schema_t *s, uint8_t *base)
{
    uint64_t n;
    if (rtp_cbor_read_array(r, &n) != RTP_CBOR_OK)
        return walk_fail(c, RTP_REASON_TYPE, 0);
    if (n != s->n)
        return walk_fail(c, RTP_REASON_LENGTH, s->n);
    for (size_t i = 0; i < s->n; i++) {
        walk_at_field(c, &s->fields[i]);
        if (!decode_field(c, r, &s->fields[i], base))
            return false;
    }
    return true;
}

static bool decode_record(walk_ctx_t *c, rtp_cbor_reader_t *r, const schema_t *s, uint8_t *base)
{
    return s->tuple ? decode_tuple(c, r, s, base) : decode_map(c, r, s, base);
}

void rtp_decode_error_clear(rtp_decode_error_t *e)
{
    memset(e, 0, sizeof *e);
    e->index = RTP_ERR_NO_INDEX;
    e->subkey = RTP_ERR_NO_INDEX;
}

/* Best effort: read type and id from the front of the message even when the
 * rest is broken, so the ERROR can carry the request's id (SPEC §3.4). The
 * id is readable when the message starts with a definite-length array of at
 * least two items whose first item is well-formed (a type above 255, or no
 * uint at all, does not hide the id) and whose second is a uint <= 2^32-1. */
static void read_type_and_id(const uint8_t *bytes, size_t len, rtp_decode_error_t *e)
{
    rtp_cbor_reader_t r;
    uint64_t n, type, id;
    rtp_cbor_reader_init(&r, bytes, len);
    if (rtp_cbor_read_array(&r, &n) != RTP_CBOR_OK || n < 2)
        return;
    size_t type_at = r.pos;
    if (rtp_cbor_read_uint(&r, &type) == RTP_CBOR_OK && type <= UINT8_MAX) {
        e->has_type = true;
        e->type = (uint8_t)type;
    } else {
        r.pos = type_at;
        if (rtp_cbor_skip(&r, RTP_CBOR_MAX_DEPTH - 1) != RTP_CBOR_OK)
            return;
    }
    if (rtp_cbor_read_uint(&r, &id) != RTP_CBOR_OK || id > UINT32_MAX)
        return;
    e->has_id = true;
    e->id = (uint32_t)id;
}

rtp_decode_status_t rtp_msg_decode(rtp_dir_t dir, const uint8_t *bytes, size_t len,
                                   rtp_msg_t *out, rtp_decode_error_t *err)
{
    rtp_decode_error_t local;
    if (!err)
        err = &local;
    rtp_decode_error_clear(err);
    memset(out, 0, sizeof *out);
    out->dir = dir;

    read_type_and_id(bytes, len, err);
    out->type = err->type;
    out->id = err->id;

    rtp_cbor_err_t ce = rtp_cbor_check(bytes, len, RTP_CBOR_MAX_DEPTH, &err->offset);
    if (ce != RTP_CBOR_OK) {
        err->status = RTP_DECODE_MALFORMED;
        err->reason = RTP_REASON_CBOR;
        err->cbor = ce;
        return err->status;
    }

    rtp_cbor_reader_t r;
    uint64_t n;
    uint8_t major;
    rtp_cbor_reader_init(&r, bytes, len);
    if (rtp_cbor_read_array(&r, &n) != RTP_CBOR_OK || n != 3 || !err->has_type || !err->has_id) {
        err->status = RTP_DECODE_MALFORMED;
        err->reason = RTP_REASON_SHAPE;
        return err->status;
    }
    uint64_t skip;
    (void)rtp_cbor_read_uint(&r, &skip); /* type and id: read above */
    (void)rtp_cbor_read_uint(&r, &skip);
    if (rtp_cbor_peek(&r, &major) != RTP_CBOR_OK || major != RTP_CBOR_MAP) {
        err->status = RTP_DECODE_MALFORMED;
        err->reason = RTP_REASON_SHAPE;
        err->offset = r.pos;
        return err->status;
    }

    const msg_def_t *def = rtp_schema_find(err->type, dir);
    if (!def) {
        err->status = RTP_DECODE_UNSUPPORTED;
        err->reason = RTP_REASON_UNKNOWN_TYPE;
        return err->status;
    }

    walk_ctx_t c = { err, 0 };
    if (!decode_record(&c, &r, def->body, (uint8_t *)&out->body)) {
        err->offset = r.pos;
        return err->status;
    }
    if (def->rule) {
        uint8_t key;
        rtp_decode_reason_t why = def->rule(&out->body, &key);
        if (why != RTP_REASON_NONE) {
            err->has_key = true;
            err->key = key;
            err->index = err->subkey = RTP_ERR_NO_INDEX;
            walk_fail(&c, why, 0);
            return err->status;
        }
    }
    /* Success: keep only the type and id in err, no stale field position. */
    rtp_decode_error_t ok = *err;
    rtp_decode_error_clear(err);
    err->has_type = ok.has_type;
    err->type = ok.type;
    err->has_id = ok.has_id;
    err->id = ok.id;
    return RTP_DECODE_OK;
}
