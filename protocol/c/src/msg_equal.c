/* rtp_msg_equal(): compares what the schema defines, walking the same
 * tables, so padding, unused array capacity and absent optionals' values
 * never make two equal messages differ. Used by tests and the fuzzer's
 * decode -> encode -> decode round trip. */
#include <string.h>

#include "schema.h"

static bool record_equal(const schema_t *s, const uint8_t *a, const uint8_t *b);

static bool flag(const uint8_t *base, uint16_t off)
{
    bool v;
    memcpy(&v, base + off, sizeof v);
    return v;
}

static bool field_equal(const field_t *f, const uint8_t *a, const uint8_t *b)
{
    const uint8_t *pa = a + f->off, *pb = b + f->off;
    size_t na = a[f->cnt_off], nb = b[f->cnt_off];
    switch ((field_kind_t)f->kind) {
    case F_UINT:
        return rtp_schema_get_uint(pa, f->size) == rtp_schema_get_uint(pb, f->size);
    case F_BOOL:
        return flag(a, f->off) == flag(b, f->off);
    case F_BSTR:
    case F_TSTR: {
        rtp_bytes_t va, vb;
        memcpy(&va, pa, sizeof va);
        memcpy(&vb, pb, sizeof vb);
        return va.len == vb.len && (va.len == 0 || memcmp(va.ptr, vb.ptr, va.len) == 0);
    }
    case F_UINTS:
        if (na != nb || na > f->max_len)
            return false;
        return na == 0 || memcmp(pa, pb, na * f->size) == 0;
    case F_RECORDS:
        if (na != nb || na > f->max_len)
            return false;
        for (size_t i = 0; i < na; i++)
            if (!record_equal(f->sub, pa + i * f->sub->stride, pb + i * f->sub->stride))
                return false;
        return true;
    case F_UARG:
        if (flag(a, f->has_off) != flag(b, f->has_off))
            return false;
        if (!flag(a, f->has_off))
            return memcmp(pa, pb, sizeof(uint64_t)) == 0;
        if (na != nb || na > f->max_len)
            return false;
        return na == 0 || memcmp(pa, pb, na * sizeof(uint64_t)) == 0;
    }
    return false;
}

static bool record_equal(const schema_t *s, const uint8_t *a, const uint8_t *b)
{
    for (size_t i = 0; i < s->n; i++) {
        const field_t *f = &s->fields[i];
        if (f->opt) {
            bool ha = flag(a, f->has_off), hb = flag(b, f->has_off);
            if (ha != hb)
                return false;
            if (!ha)
                continue;
        }
        if (!field_equal(f, a, b))
            return false;
    }
    return true;
}

bool rtp_msg_equal(const rtp_msg_t *a, const rtp_msg_t *b)
{
    if (a->type != b->type || a->id != b->id || a->dir != b->dir)
        return false;
    const msg_def_t *def = rtp_schema_find(a->type, a->dir);
    if (!def)
        return true; /* no body to compare */
    return record_equal(def->body, (const uint8_t *)&a->body, (const uint8_t *)&b->body);
}
