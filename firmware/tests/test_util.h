/* Helpers shared by the firmware tests: a tiny check framework, building
 * H->D wire frames, and decoding a D->H byte stream the way a host would. */
#ifndef RTINFER_FW_TEST_UTIL_H
#define RTINFER_FW_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtp/rtp.h"

extern int tu_failures;

#define CHECK(cond)                                                                                  \
    do {                                                                                             \
        if (!(cond)) {                                                                               \
            tu_fail(__FILE__, __LINE__, #cond);                                                      \
        }                                                                                            \
    } while (0)

#define CHECK_EQ_U(a, b)                                                                             \
    do {                                                                                             \
        unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);               \
        if (a_ != b_) {                                                                              \
            tu_fail_eq(__FILE__, __LINE__, #a, #b, a_, b_);                                          \
        }                                                                                            \
    } while (0)

void tu_fail(const char *file, int line, const char *what);

/* A named test case, and the main() every firmware test binary shares: runs
 * the case named by argv[1] (or "all"), each between setup and teardown (may
 * be NULL), and prints ok/FAIL per case. */
typedef struct {
    const char *name;
    void (*fn)(void);
} tu_case_t;

int tu_main(int argc, char **argv, const tu_case_t *cases, size_t count, void (*setup)(void), void (*teardown)(void));
void tu_fail_eq(const char *file, int line, const char *a, const char *b, unsigned long long va,
                unsigned long long vb);
bool tu_str_eq(rtp_str_t s, const char *c);

/* Encodes an H->D message and frames it (flags 0, channel 0, given seq) into
 * out; returns the wire length (COBS + 0x00). Aborts on failure. */
size_t tu_wire_msg(const rtp_msg_t *m, uint16_t seq, uint8_t *out, size_t cap);
/* Frames raw message bytes (which may be invalid CBOR). */
size_t tu_wire_raw(const uint8_t *msg, size_t len, uint16_t seq, uint8_t *out, size_t cap);

/* Convenience builders for H->D requests. */
void tu_hello_req(rtp_msg_t *m, uint32_t id, uint8_t proto, uint16_t max_frame);
void tu_ping_req(rtp_msg_t *m, uint32_t id, uint64_t t1);

/* One frame as a host receives it. msg views point into raw. */
typedef struct {
    rtp_frame_hdr_t hdr;
    uint8_t raw[4096];
    size_t raw_len;
    rtp_decode_status_t status;
    rtp_msg_t msg;
} tu_rx_t;

/* A host-side receiver for D->H streams. */
typedef struct {
    rtp_frame_parser_t parser;
    uint8_t buf[65536];
} tu_host_t;

void tu_host_init(tu_host_t *h);
/* Feeds bytes; stores up to max decoded frames into out; returns how many.
 * Frames beyond max are counted but dropped. */
size_t tu_host_feed(tu_host_t *h, const uint8_t *data, size_t len, tu_rx_t *out, size_t max);

#endif
