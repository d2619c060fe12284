/*
 * What the TA benches (bench_ta_heap, bench_ta_layers) share: opening the rtinfer TA
 * with its key made for a device id. Benches only: they malloc freely and report on stderr.
 */
#ifndef RTINFER_BENCH_TA_OPEN_H
#define RTINFER_BENCH_TA_OPEN_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <tee_client_api.h>

#include "read_whole_file.h"
#include "rtinfer_ta.h"
#include "ta_invoke.h"

/* Opens a session to the rtinfer TA and has it make (or return) its key for `device`; 0, or 1 with the reason on
 * stderr under the bench's `name`. */
static inline int bench_open_ta(const char *name, const char *device, TEEC_Context *context, TEEC_Session *session,
                                uint8_t public_key[RTINFER_TA_KEY_BYTES]) {
  const TEEC_UUID uuid = RTINFER_TA_UUID;
  uint32_t origin = 0;
  if (TEEC_InitializeContext(NULL, context) != TEEC_SUCCESS ||
      TEEC_OpenSession(context, session, &uuid, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin) != TEEC_SUCCESS) {
    fprintf(stderr, "%s: cannot open the rtinfer TA (built with the C tree? TEESIM_TA_DIR?)\n", name);
    return 1;
  }
  if (ta_invoke_key(session, device, public_key, NULL) != TEEC_SUCCESS) {
    fprintf(stderr, "%s: KEY failed for device %s\n", name, device);
    return 1;
  }
  return 0;
}

#endif
