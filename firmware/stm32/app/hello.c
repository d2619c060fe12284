/* HELLO (SPEC §4.1): the device description and the max_frame exchange. */
#include <string.h>

#include "app.h"
#include "engine.h"
#include "handlers.h"
#include "link.h"
#include "model_store.h"
#include "port.h"
#include "reply.h"
#include "rtp/cbor.h"

static rtp_str_t str(const char *s)
{
    size_t n = strlen(s);
    rtp_str_t v = {s, n > RTP_MAX_BOARD ? RTP_MAX_BOARD : n};
    return v;
}

void hello_fill_info(rtp_hello_info_t *h, uint8_t proto, uint8_t want)
{
    h->proto = proto;
    h->max_frame = link_own_max_frame();
    h->board = str(port_board_name());
    h->firmware = str(RTINFER_FW_VERSION);
    h->device_id = str(port_device_id());
    h->clock_hz = port_clock_hz();
    engine_hello_info(h, want); /* caps, ram, and the engine's own facts */
    h->slots = model_store_slot_count();
    h->slot_size = model_store_capacity(); /* data bytes: each slot's trailer is the store's */
    h->boot_id = app_boot_id();
    h->uptime = port_ticks();
}

static void send_info(uint32_t id, uint8_t proto, uint8_t want)
{
    rtp_msg_t *m = reply_begin(RTP_MSG_HELLO, id);
    hello_fill_info(&m->body.hello_info, proto, want);
    (void)reply_send(m);
}

void hello_send_boot(void)
{
    send_info(0, APP_PROTO_MAX, 0);
}

void hello_handle(const rtp_msg_t *req)
{
    const rtp_hello_req_t *r = &req->body.hello_req;
    /* The decoder enforces proto >= 1; version 1 is all we speak. */
    uint8_t proto = r->proto < APP_PROTO_MAX ? r->proto : (uint8_t)APP_PROTO_MAX;
    send_info(req->id, proto, r->has_want ? r->want : 0u);
    link_hello_done(r->max_frame);
}

/* Reads body key 0 of [1, id, {0: proto, ...}] without schema checks. */
static bool peek_proto(const uint8_t *msg, size_t len, uint64_t *proto)
{
    rtp_cbor_reader_t r;
    uint64_t n, v;
    rtp_cbor_reader_init(&r, msg, len);
    if (rtp_cbor_read_array(&r, &n) != RTP_CBOR_OK || n != 3 || rtp_cbor_read_uint(&r, &v) != RTP_CBOR_OK ||
        rtp_cbor_read_uint(&r, &v) != RTP_CBOR_OK || rtp_cbor_read_map(&r, &n) != RTP_CBOR_OK) {
        return false;
    }
    for (uint64_t i = 0; i < n; i++) {
        uint64_t key;
        if (rtp_cbor_read_uint(&r, &key) != RTP_CBOR_OK) {
            return false;
        }
        if (key == 0) {
            return rtp_cbor_read_uint(&r, proto) == RTP_CBOR_OK;
        }
        if (rtp_cbor_skip(&r, RTP_CBOR_MAX_DEPTH) != RTP_CBOR_OK) {
            return false;
        }
    }
    return false;
}

bool hello_version_mismatch(const uint8_t *msg, size_t len, uint32_t id)
{
    uint64_t proto;
    if (!peek_proto(msg, len, &proto) || proto >= APP_PROTO_MIN) {
        return false;
    }
    reply_facts_t facts = {.type = RTP_MSG_HELLO, .has_have = true, .have = APP_PROTO_MIN};
    reply_error_facts(id, RTP_ERR_VERSION, "no protocol version in common", &facts);
    return true;
}
