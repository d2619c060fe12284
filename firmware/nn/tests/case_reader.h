/* Reading the case file of a one-layer CLI (rtnn-int8-layer, rtnn-trec-int8): little-endian int32 words and byte
 * blocks, bounds-checked; a malformed case prints "<tool>: malformed case: <what>" and exits 2. Header-only, one
 * reader per program (each CLI is one translation unit): case_begin() with the file, then the readers. */
#ifndef RTINFER_NN_CASE_READER_H
#define RTINFER_NN_CASE_READER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *case_tool;
static const uint8_t *case_at, *case_end;

static inline void case_begin(const char *tool, const uint8_t *data, size_t length)
{
  case_tool = tool;
  case_at = data, case_end = data + length;
}
/* Bytes not read yet. */
static inline size_t case_left(void) { return (size_t)(case_end - case_at); }

static inline void malformed(const char *what)
{
  fprintf(stderr, "%s: malformed case: %s\n", case_tool, what);
  exit(2);
}
static inline const uint8_t *take(size_t bytes)
{
  if (case_left() < bytes) malformed("shorter than its header says");
  const uint8_t *here = case_at;
  case_at += bytes;
  return here;
}
static inline int32_t word(void)
{
  int32_t value;
  memcpy(&value, take(4), 4);
  return value;
}
static inline uint32_t size_word(void)
{
  const int32_t value = word();
  if (value < 0) malformed("negative size");
  return (uint32_t)value;
}
/* An exact-size heap copy of the next `bytes` (ASan sees overruns; int32 alignment); the caller frees it. */
static inline void *copy(size_t bytes)
{
  void *out = malloc(bytes ? bytes : 1u);
  memcpy(out, take(bytes), bytes);
  return out;
}

#endif
