/* Consistent Overhead Byte Stuffing (SPEC §2.2).
 * Code bytes 0x01..0xFF; a code 0xFF block carries 254 data bytes and no
 * implied zero. The encoder emits Cheshire and Baker's original form: a
 * block is closed as soon as it holds 254 bytes, so input that ends exactly
 * at a block boundary gets a final 0x01 code byte; output is at most
 * n + floor(n/254) + 1 bytes (exactly that when the input has no zero).
 * This is what the golden vectors hold. The
 * decoder accepts that and the variant without the final 0x01 (same data).
 * No delimiter is added or expected here; see frame.h for the wire form. */
#ifndef RTP_COBS_H
#define RTP_COBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Upper bound on COBS output for n input bytes (SPEC §2.3 form:
 * n + ceil(n/254) + 1; the encoder's exact size is n + floor(n/254) + 1). */
#define RTP_COBS_MAX_ENCODED(n) ((n) + ((n) + 253u) / 254u + 1u)

/* Encodes len bytes of src into dst (no delimiter). Returns the encoded
 * length, or 0 if it does not fit in cap. src and dst must not overlap. */
size_t rtp_cobs_encode(const uint8_t *src, size_t len, uint8_t *dst, size_t cap);

/* Decodes one COBS run (no 0x00 inside, no delimiter) into dst. Returns true
 * and the decoded length in *out_len; false if the run contains 0x00, a code
 * byte points past its end, or the output does not fit in cap. dst may equal
 * src (decoding in place is safe: output never overtakes input). */
bool rtp_cobs_decode(const uint8_t *src, size_t len, uint8_t *dst, size_t cap, size_t *out_len);

/* Incremental encoder, so a frame can be encoded from several pieces
 * (header, message, CRC) without a staging copy. Usage:
 *   rtp_cobs_enc_t e; rtp_cobs_enc_begin(&e, dst, cap);
 *   rtp_cobs_enc_put(&e, a, na); rtp_cobs_enc_put(&e, b, nb);
 *   size_t n = rtp_cobs_enc_end(&e);   // 0 on overflow
 * Fields are private. */
typedef struct {
    uint8_t *dst;
    size_t cap;
    size_t pos;      /* next output position */
    size_t code_pos; /* where the current block's code byte goes */
    uint8_t code;    /* current code: 1 + data bytes in the block so far */
    bool overflow;
} rtp_cobs_enc_t;

void rtp_cobs_enc_begin(rtp_cobs_enc_t *e, uint8_t *dst, size_t cap);
void rtp_cobs_enc_put(rtp_cobs_enc_t *e, const uint8_t *src, size_t len);
/* Closes the last block. Returns the encoded length, or 0 on overflow. */
size_t rtp_cobs_enc_end(rtp_cobs_enc_t *e);

#ifdef __cplusplus
}
#endif
#endif
