/* The TA's properties (OP-TEE's user_ta_header.c and teesim's runner read them). */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include "rtinfer_ta.h"

#ifdef RTINFER_TA_TEST_HOOKS
/* The test build (with a key-import command) has its own UUID, so it can never stand in for the real TA. */
#define TA_UUID                                                                                           \
  {                                                                                                       \
    0x7d2b6a51, 0x3c8e, 0x4f0a, { 0x9b, 0x14, 0x6e, 0x5d, 0x2c, 0x8a, 0x7e, 0x57 }                        \
  }
#else
#define TA_UUID RTINFER_TA_UUID
#endif

/* One instance for every session, kept alive between them: a loaded model and the jobs in flight survive the
 * agent reconnecting. */
#define TA_FLAGS (TA_FLAG_SINGLE_INSTANCE | TA_FLAG_MULTI_SESSION | TA_FLAG_INSTANCE_KEEP_ALIVE)

/* The heap budget: every arena (model, job slots, load buffers) comes from it. Override with -DRTINFER_TA_HEAP_BYTES. */
#ifndef RTINFER_TA_HEAP_BYTES
#define RTINFER_TA_HEAP_BYTES RTINFER_TA_DEFAULT_HEAP_BYTES
#endif
#define TA_DATA_SIZE RTINFER_TA_HEAP_BYTES
/* rtnn_run and the kernels keep their state in the work buffer; the stack holds a few frames and the ta_state
 * statics live in .bss. 64 KiB is ample (the authors' TA had 1 MiB). */
#define TA_STACK_SIZE (64u * 1024u)

#define TA_VERSION "0.1"
#define TA_DESCRIPTION "rtinfer: sealed DNN models, decrypted and run inside the enclave"

#endif
