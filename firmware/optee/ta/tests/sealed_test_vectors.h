/* The sealed golden vectors (protocol/vectors/sealed) for the TA's C tests: files and the keys in keys.txt. */
#ifndef RTINFER_TA_SEALED_TEST_VECTORS_H
#define RTINFER_TA_SEALED_TEST_VECTORS_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "nn_test.h"

static inline uint8_t *sealed_vector(const char *file, size_t *length) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", SEALED_VECTORS_DIR, file);
  uint8_t *bytes = nn_test_read_file(path, length);
  if (!bytes) fprintf(stderr, "cannot read %s\n", path);
  return bytes;
}

/* keys.txt line "<name> <curve> <private hex> <public hex>": the private (0) or public (1) half. */
static inline int sealed_vector_key(const char *name, int public_half, uint8_t out[32]) {
  char path[512], line[512];
  snprintf(path, sizeof path, "%s/keys.txt", SEALED_VECTORS_DIR);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  int found = -1;
  while (found && fgets(line, sizeof line, f)) {
    char key_name[64], curve[16], private_hex[80], public_hex[80];
    if (sscanf(line, "%63s %15s %79s %79s", key_name, curve, private_hex, public_hex) != 4 || strcmp(key_name, name) != 0) continue;
    const char *hex = public_half ? public_hex : private_hex;
    for (int i = 0; i < 32; i++) {
      unsigned byte = 0;
      sscanf(hex + 2 * i, "%2x", &byte);
      out[i] = (uint8_t)byte;
    }
    found = 0;
  }
  fclose(f);
  return found;
}

#define SEALED_VECTOR_DEVICE "pi-sim-1"

#endif
