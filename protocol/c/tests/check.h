/* Minimal test harness: CHECK records a failure and continues, so one run
 * shows every broken case; main returns check_report(). */
#ifndef RTP_TEST_CHECK_H
#define RTP_TEST_CHECK_H

#include <stdio.h>
#include <stdint.h>
#include <stddef.h>
#include <string.h>

static unsigned check_total, check_failed;

#define CHECK(cond)                                                              \
    do {                                                                         \
        check_total++;                                                           \
        if (!(cond)) {                                                           \
            check_failed++;                                                      \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                        \
    } while (0)

#define CHECK_EQ(a, b)                                                           \
    do {                                                                         \
        unsigned long long va_ = (unsigned long long)(a), vb_ = (unsigned long long)(b); \
        check_total++;                                                           \
        if (va_ != vb_) {                                                        \
            check_failed++;                                                      \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s (%llu) != %s (%llu)\n",  \
                    __FILE__, __LINE__, #a, va_, #b, vb_);                       \
        }                                                                        \
    } while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

static inline int check_report(const char *name)
{
    printf("%s: %u checks, %u failed\n", name, check_total, check_failed);
    return check_failed ? 1 : 0;
}

/* Parses hex (whitespace ignored) into out; returns bytes or (size_t)-1. */
static inline size_t hex_parse(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (; *s; s++) {
        int v;
        char ch = *s;
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r')
            continue;
        if (ch >= '0' && ch <= '9') v = ch - '0';
        else if (ch >= 'a' && ch <= 'f') v = ch - 'a' + 10;
        else if (ch >= 'A' && ch <= 'F') v = ch - 'A' + 10;
        else return (size_t)-1;
        if (hi < 0) {
            hi = v;
        } else {
            if (n >= cap)
                return (size_t)-1;
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return hi < 0 ? n : (size_t)-1;
}

/* Deterministic PRNG (xorshift64*) so failures reproduce from the seed. */
static inline uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

#endif
