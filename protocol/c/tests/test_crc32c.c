/* CRC-32C: check value, known vectors, incremental == one-shot, and the
 * const table against the bitwise definition. */
#include "check.h"
#include "rtp/crc32c.h"

static uint32_t crc_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ ((c & 1u) ? 0x82F63B78u : 0u);
    }
    return c ^ 0xFFFFFFFFu;
}

int main(void)
{
    CHECK_EQ(rtp_crc32c("123456789", 9), RTP_CRC32C_CHECK);
    CHECK_EQ(rtp_crc32c("123456789", 9), 0xE3069283u);
    CHECK_EQ(rtp_crc32c(NULL, 0), 0x00000000u);
    /* RFC 3720 (iSCSI) B.4 vectors */
    uint8_t z[32] = {0}, ff[32], inc[32], dec[32];
    for (int i = 0; i < 32; i++) {
        ff[i] = 0xFF;
        inc[i] = (uint8_t)i;
        dec[i] = (uint8_t)(31 - i);
    }
    CHECK_EQ(rtp_crc32c(z, 32), 0x8A9136AAu);
    CHECK_EQ(rtp_crc32c(ff, 32), 0x62A8AB43u);
    CHECK_EQ(rtp_crc32c(inc, 32), 0x46DD794Eu);
    CHECK_EQ(rtp_crc32c(dec, 32), 0x113FDB5Cu);

    uint8_t buf[300];
    uint64_t seed = 1;
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)rng_next(&seed);
    for (size_t n = 0; n <= sizeof buf; n += 7) {
        CHECK_EQ(rtp_crc32c(buf, n), crc_bitwise(buf, n));
        size_t cut = n / 3;
        uint32_t s = rtp_crc32c_update(RTP_CRC32C_INIT, buf, cut);
        s = rtp_crc32c_update(s, buf + cut, n - cut);
        CHECK_EQ(rtp_crc32c_final(s), rtp_crc32c(buf, n));
    }
    for (int b = 0; b < 256; b++) {
        uint8_t one = (uint8_t)b;
        CHECK_EQ(rtp_crc32c(&one, 1), crc_bitwise(&one, 1));
    }
    return check_report("crc32c");
}
