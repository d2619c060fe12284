/* rtp_msg_encode() / rtp_msg_check(): one walk over the descriptor tables
 * that validates each value exactly as the decoder would and writes the
 * deterministic encoding (shortest forms, ascending keys -- the tables are
 * sorted). With a measuring writer (cap 0) the same walk is the check. */
#include <string.h>

#include "schema.h"

static bool encode_record(walk_ctx_t *c, rtp_cbor_writer_t *w, const schema_t *s, const uint8_t *base);

static bool get_flag(const uint8_t *base, uint16_t off)
{
    bool v;
    memcpy(&v, base + off, sizeof v);
    return v;
}

static bool present(const field_t *f, const uint8_t *base) { return !f->opt || get_flag(base, f->has_off); }

static bool put_uint_in(walk_ctx_t *c, rtp_cbor_writer_t *w, const field_t *f, uint64_t v)
{
    if (v < f->min)
        return walk_fail(c, RTP_REASON_RANGE, f->min);
    if (v > f->max)
        return walk_fail(c, RTP_REASON_RANGE, f->max);
    rtp_cbor_put_uint(w, v);
    return true;
}

static bool count_in(walk_ctx_t *c, const field_t *f, size_t n)
{
    /* max_len is also the inline capacity, so this keeps reads in bounds. */
    if (n < f->min_len)
        return walk_fail(c, RTP_REASON_LENGTH, f->min_len);
    if (n > f->max_len)
        return walk_fail(c, RTP_REASON_LENGTH, f->max_len);
    return true;
}

static bool encode_field(walk_ctx_t *c, rtp_cbor_writer_t *w, const field_t *f, const uint8_t *base)
{
    const uint8_t *src = base + f->off;
    size_t n = f->kind == F_UINTS || f->kind == F_RECORDS || f->kind == F_UARG ? base[f->cnt_off] : 0;
    switch ((field_kind_t)f->kind) {
    case F_UINT:
        return put_uint_in(c, w, f, rtp_schema_get_uint(src, f->size));
    case F_BOOL:
        rtp_cbor_put_bool(w, get_flag(base, f->off));
        return true;
    case F_BSTR:
    case F_TSTR: {
        rtp_bytes_t view;
        memcpy(&view, src, sizeof view);
        if (!count_in(c, f, view.len))
            return false;
        if (view.len && !view.ptr)
            return walk_fail(c, RTP_REASON_TYPE, 0);
        if (f->kind == F_BSTR) {
            rtp_cbor_put_bstr(w, view.ptr, view.len);
        } else {
            if (!rtp_utf8_valid((const char *)view.ptr, view.len))
                return walk_fail(c, RTP_REASON_TYPE, 0);
            rtp_cbor_put_tstr(w, (const char *)view.ptr, view.len);
        }
        return true;
    }
    case F_UINTS:
        if (!count_in(c, f, n))
            return false;
        rtp_cbor_put_array(w, n);
        for (size_t i = 0; i < n; i++) {
            if (c->level == 0)
                walk_at_index(c, i);
            if (!put_uint_in(c, w, f, rtp_schema_get_uint(src + i * f->size, f->size)))
                return false;
        }
        return true;
    case F_RECORDS:
        if (!count_in(c, f, n))
            return false;
        rtp_cbor_put_array(w, n);
        c->level++;
        for (size_t i = 0; i < n; i++) {
            walk_at_index(c, i);
            if (!encode_record(c, w, f->sub, src + i * f->sub->stride))
                return false;
        }
        c->level--;
        return true;
    case F_UARG: {
        uint64_t v;
        if (!get_flag(base, f->has_off)) {
            memcpy(&v, src, sizeof v);
            return put_uint_in(c, w, f, v);
        }
        if (!count_in(c, f, n))
            return false;
        rtp_cbor_put_array(w, n);
        for (size_t i = 0; i < n; i++) {
            memcpy(&v, src + i * sizeof v, sizeof v);
            if (!put_uint_in(c, w, f, v))
                return false;
        }
        return true;
    }
    }
    return walk_fail(c, RTP_REASON_TYPE, 0);
}

static bool encode_record(walk_ctx_t *c, rtp_cbor_writer_t *w, const schema_t *s, const uint8_t *base)
{
    if (s->tuple) {
        rtp_cbor_put_array(w, s->n);
    } else {
        size_t pairs = 0;
        for (size_t i = 0; i < s->n; i++)
            pairs += present(&s->fields[i], base);
        rtp_cbor_put_map(w, pairs);
    }
    for (size_t i = 0; i < s->n; i++) {
        const field_t *f = &s->fields[i];
        if (!present(f, base))
            continue;
        walk_at_field(c, f);
        if (!s->tuple)
            rtp_cbor_put_uint(w, f->key);
        if (!encode_field(c, w, f, base))
            return false;
    }
    return true;
}

/* Validates and writes msg; false (with *err filled) if it breaks its schema. */
static bool encode_msg(const rtp_msg_t *msg, rtp_cbor_writer_t *w, rtp_decode_error_t *err)
{
    rtp_decode_error_clear(err);
    err->has_type = true;
    err->type = msg->type;
    err->has_id = true;
    err->id = msg->id;
    const msg_def_t *def = rtp_schema_find(msg->type, msg->dir);
    if (!def) {
        err->status = RTP_DECODE_UNSUPPORTED;
        err->reason = RTP_REASON_UNKNOWN_TYPE;
        return false;
    }
    walk_ctx_t c = { err, 0 };
    if (def->rule) {
        uint8_t key;
        rtp_decode_reason_t why = def->rule(&msg->body, &key);
        if (why != RTP_REASON_NONE) {
            err->has_key = true;
            err->key = key;
            return walk_fail(&c, why, 0);
        }
    }
    rtp_cbor_put_array(w, 3);
    rtp_cbor_put_uint(w, msg->type);
    rtp_cbor_put_uint(w, msg->id);
    if (!encode_record(&c, w, def->body, (const uint8_t *)&msg->body))
        return false;
    rtp_decode_error_clear(err);
    return true;
}

size_t rtp_msg_encode(const rtp_msg_t *msg, uint8_t *buf, size_t cap)
{
    rtp_cbor_writer_t w;
    rtp_decode_error_t err;
    rtp_cbor_writer_init(&w, buf, cap);
    if (!encode_msg(msg, &w, &err) || !rtp_cbor_writer_ok(&w))
        return 0;
    return w.len;
}

bool rtp_msg_check(const rtp_msg_t *msg, rtp_decode_error_t *err)
{
    rtp_cbor_writer_t w;
    rtp_decode_error_t local;
    rtp_cbor_writer_init(&w, NULL, 0); /* measure only */
    return encode_msg(msg, &w, err ? err : &local);
}

size_t rtp_msg_encoded_len(const rtp_msg_t *msg)
{
    rtp_cbor_writer_t w;
    rtp_decode_error_t err;
    rtp_cbor_writer_init(&w, NULL, 0);
    return encode_msg(msg, &w, &err) ? w.len : 0;
}
