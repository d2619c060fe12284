/* The test TA's properties, as for OP-TEE's ta dev kit. */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include <test_ta.h>

#define TA_UUID TEST_TA_UUID
#define TA_FLAGS (TA_FLAG_SINGLE_INSTANCE | TA_FLAG_MULTI_SESSION)
#define TA_STACK_SIZE (32 * 1024)
#define TA_DATA_SIZE TEST_TA_HEAP_BYTES

#endif
