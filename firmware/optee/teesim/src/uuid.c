#include "uuid.h"

#include <stdio.h>
#include <string.h>

void teesim_uuid_to_bytes(uint32_t time_low, uint16_t time_mid, uint16_t time_hi, const uint8_t node[8],
			  uint8_t out[16])
{
	out[0] = (uint8_t)(time_low >> 24);
	out[1] = (uint8_t)(time_low >> 16);
	out[2] = (uint8_t)(time_low >> 8);
	out[3] = (uint8_t)time_low;
	out[4] = (uint8_t)(time_mid >> 8);
	out[5] = (uint8_t)time_mid;
	out[6] = (uint8_t)(time_hi >> 8);
	out[7] = (uint8_t)time_hi;
	memcpy(out + 8, node, 8);
}

void teesim_uuid_bytes_to_string(const uint8_t b[16], char *out)
{
	snprintf(out, TEESIM_UUID_STRING_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
}
