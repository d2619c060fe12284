/* CRC-32C (Castagnoli), as used in the frame trailer (SPEC §2.1).
 * Reflected polynomial 0x82F63B78, init 0xFFFFFFFF, final XOR 0xFFFFFFFF.
 * Check value: "123456789" -> 0xE3069283. Table-driven; the table is const
 * (lives in flash on an MCU), no mutable state. */
#ifndef RTP_CRC32C_H
#define RTP_CRC32C_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RTP_CRC32C_INIT 0xFFFFFFFFu  /* state to start an incremental CRC with */
#define RTP_CRC32C_CHECK 0xE3069283u /* CRC of the ASCII bytes "123456789" */

/* One-shot CRC-32C of len bytes (data may be NULL when len is 0). */
uint32_t rtp_crc32c(const void *data, size_t len);

/* Incremental form: state = RTP_CRC32C_INIT; state = rtp_crc32c_update(state,
 * ...) for each piece; crc = rtp_crc32c_final(state). Equal to the one-shot
 * CRC of the concatenated pieces. */
uint32_t rtp_crc32c_update(uint32_t state, const void *data, size_t len);
static inline uint32_t rtp_crc32c_final(uint32_t state) { return state ^ 0xFFFFFFFFu; }

#ifdef __cplusplus
}
#endif
#endif
