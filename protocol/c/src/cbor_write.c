/* CBOR writer: shortest-form heads only (RFC 8949 §4.2.1). Overflow is
 * sticky and the length keeps counting, so cap 0 measures. */
#include <string.h>

#include "rtp/cbor.h"

void rtp_cbor_writer_init(rtp_cbor_writer_t *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = buf ? cap : 0;
    w->len = 0;
}

static void put_bytes(rtp_cbor_writer_t *w, const void *p, size_t n)
{
    /* Saturate instead of wrapping so a huge n can never look like a fit. */
    if (n > SIZE_MAX - w->len) {
        w->len = SIZE_MAX;
        return;
    }
    if (w->len <= w->cap && n <= w->cap - w->len && n)
        memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static void put_head(rtp_cbor_writer_t *w, uint8_t major, uint64_t v)
{
    uint8_t h[RTP_CBOR_MAX_HEAD];
    size_t n;
    major = (uint8_t)(major << 5);
    if (v < 24) {
        h[0] = (uint8_t)(major | v);
        n = 1;
    } else if (v <= 0xFFu) {
        h[0] = major | 24u;
        n = 2;
    } else if (v <= 0xFFFFu) {
        h[0] = major | 25u;
        n = 3;
    } else if (v <= 0xFFFFFFFFu) {
        h[0] = major | 26u;
        n = 5;
    } else {
        h[0] = major | 27u;
        n = 9;
    }
    /* Big-endian argument for the 1/2/4/8-byte forms. */
    for (size_t i = 1; i < n; i++)
        h[i] = (uint8_t)(v >> (8u * (n - 1u - i)));
    put_bytes(w, h, n);
}

void rtp_cbor_put_uint(rtp_cbor_writer_t *w, uint64_t v) { put_head(w, RTP_CBOR_UINT, v); }

void rtp_cbor_put_bool(rtp_cbor_writer_t *w, bool v)
{
    uint8_t b = v ? 0xF5 : 0xF4;
    put_bytes(w, &b, 1);
}

void rtp_cbor_put_bstr(rtp_cbor_writer_t *w, const uint8_t *p, size_t n)
{
    put_head(w, RTP_CBOR_BSTR, n);
    put_bytes(w, p, n);
}

void rtp_cbor_put_tstr(rtp_cbor_writer_t *w, const char *p, size_t n)
{
    put_head(w, RTP_CBOR_TSTR, n);
    put_bytes(w, p, n);
}

void rtp_cbor_put_array(rtp_cbor_writer_t *w, uint64_t count) { put_head(w, RTP_CBOR_ARRAY, count); }

void rtp_cbor_put_map(rtp_cbor_writer_t *w, uint64_t pairs) { put_head(w, RTP_CBOR_MAP, pairs); }
