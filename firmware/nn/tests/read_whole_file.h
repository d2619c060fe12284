/* Reading a whole file into memory, for the host-side C programs only (tests, dump tools, benches, rtinfer-plan):
 * they malloc freely. Never included by device code. */
#ifndef RTINFER_READ_WHOLE_FILE_H
#define RTINFER_READ_WHOLE_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The whole file, malloc'ed (the caller frees it), its size in *length; NULL if it cannot be opened or read whole
 * (a short read is an error, not a shorter file). An empty file gives a 1-byte buffer and *length 0. */
static inline uint8_t *read_whole_file(const char *path, size_t *length) {
  *length = 0;
  FILE *file = fopen(path, "rb");
  if (!file) return NULL;
  long size = -1;
  if (fseek(file, 0, SEEK_END) == 0) size = ftell(file);
  uint8_t *bytes = size >= 0 && fseek(file, 0, SEEK_SET) == 0 ? malloc(size > 0 ? (size_t)size : 1u) : NULL;
  if (bytes && fread(bytes, 1, (size_t)size, file) != (size_t)size) {
    free(bytes);
    bytes = NULL;
  }
  fclose(file);
  if (bytes) *length = (size_t)size;
  return bytes;
}

#endif
