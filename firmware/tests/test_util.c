#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tu_failures;

void tu_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, what);
    tu_failures++;
}

void tu_fail_eq(const char *file, int line, const char *a, const char *b, unsigned long long va,
                unsigned long long vb)
{
    fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%llu != %llu)\n", file, line, a, b, va, vb);
    tu_failures++;
}

bool tu_str_eq(rtp_str_t s, const char *c)
{
    return s.len == strlen(c) && memcmp(s.ptr, c, s.len) == 0;
}

size_t tu_wire_raw(const uint8_t *msg, size_t len, uint16_t seq, uint8_t *out, size_t cap)
{
    rtp_frame_hdr_t hdr = {0, RTP_CHANNEL_CONTROL, seq};
    size_t n = rtp_frame_encode(&hdr, msg, len, out, cap);
    if (n == 0) {
        fprintf(stderr, "tu_wire_raw: frame encode failed\n");
        abort();
    }
    return n;
}

size_t tu_wire_msg(const rtp_msg_t *m, uint16_t seq, uint8_t *out, size_t cap)
{
    static uint8_t buf[65536];
    size_t n = rtp_msg_encode(m, buf, sizeof buf);
    if (n == 0) {
        fprintf(stderr, "tu_wire_msg: message encode failed\n");
        abort();
    }
    return tu_wire_raw(buf, n, seq, out, cap);
}

void tu_hello_req(rtp_msg_t *m, uint32_t id, uint8_t proto, uint16_t max_frame)
{
    memset(m, 0, sizeof *m);
    m->type = RTP_MSG_HELLO;
    m->id = id;
    m->dir = RTP_DIR_H2D;
    m->body.hello_req.proto = proto;
    m->body.hello_req.max_frame = max_frame;
    m->body.hello_req.has_host = true;
    m->body.hello_req.host.ptr = "testhost";
    m->body.hello_req.host.len = 8;
}

void tu_ping_req(rtp_msg_t *m, uint32_t id, uint64_t t1)
{
    memset(m, 0, sizeof *m);
    m->type = RTP_MSG_PING;
    m->id = id;
    m->dir = RTP_DIR_H2D;
    m->body.ping_req.t1 = t1;
}

void tu_host_init(tu_host_t *h)
{
    rtp_frame_parser_init(&h->parser, h->buf, sizeof h->buf);
    (void)rtp_frame_parser_set_max_frame(&h->parser, RTP_MAX_FRAME_LIMIT);
}

size_t tu_host_feed(tu_host_t *h, const uint8_t *data, size_t len, tu_rx_t *out, size_t max)
{
    size_t got = 0;
    rtp_frame_t f;
    while (rtp_frame_parser_feed(&h->parser, &data, &len, &f)) {
        if (got >= max || f.msg_len > sizeof out[got].raw) {
            continue;
        }
        tu_rx_t *r = &out[got++];
        r->hdr = f.hdr;
        memcpy(r->raw, f.msg, f.msg_len);
        r->raw_len = f.msg_len;
        r->status = rtp_msg_decode(RTP_DIR_D2H, r->raw, r->raw_len, &r->msg, NULL);
    }
    return got;
}

int tu_main(int argc, char **argv, const tu_case_t *cases, size_t count, void (*setup)(void), void (*teardown)(void))
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <case>|all\n", argv[0]);
        return 2;
    }
    unsigned ran = 0;
    for (size_t i = 0; i < count; i++) {
        if (strcmp(argv[1], "all") != 0 && strcmp(argv[1], cases[i].name) != 0) {
            continue;
        }
        int before = tu_failures;
        if (setup != NULL) {
            setup();
        }
        cases[i].fn();
        if (teardown != NULL) {
            teardown();
        }
        printf("%s %s\n", tu_failures == before ? "ok  " : "FAIL", cases[i].name);
        ran++;
    }
    if (ran == 0) {
        fprintf(stderr, "no such case: %s\n", argv[1]);
        return 2;
    }
    return tu_failures == 0 ? 0 : 1;
}
