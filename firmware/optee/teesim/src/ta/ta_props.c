/* Compiled once per TA by teesim_add_ta(): the properties its user_ta_header_defines.h declares,
 * as OP-TEE's ta dev kit compiles them into the TA's header (user_ta_header.c). */
#include <tee_internal_api.h>
#include <user_ta_header.h>
#include <user_ta_header_defines.h>
#include "teesim_ta.h"

#ifndef TA_FLAGS
#define TA_FLAGS 0
#endif

const struct teesim_ta_props teesim_ta_props = {
	.uuid = TA_UUID,
	.flags = TA_FLAGS,
	.data_size = TA_DATA_SIZE,
	.stack_size = TA_STACK_SIZE,
};
