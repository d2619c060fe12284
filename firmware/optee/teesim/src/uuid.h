/* UUIDs as OP-TEE names TA files (/lib/optee_armtz/<uuid>.ta) and as the wire carries them (RFC 4122 bytes). */
#ifndef TEESIM_UUID_H
#define TEESIM_UUID_H

#include <stdint.h>

#define TEESIM_UUID_STRING_LEN 36

void teesim_uuid_to_bytes(uint32_t time_low, uint16_t time_mid, uint16_t time_hi, const uint8_t node[8],
			  uint8_t out[16]);
/* out: TEESIM_UUID_STRING_LEN + 1 bytes, lower-case, NUL-terminated. */
void teesim_uuid_bytes_to_string(const uint8_t bytes[16], char *out);

#endif
