/* Decode throughput of the C .rtm decoder: reads a container, decodes it from memory in 4 KiB chunks
 * (as bytes would arrive from a link) until the time budget is spent, prints one JSON line.
 * `bench_rtm_decode FILE once` decodes a single time, for callgrind (--toggle-collect=rtm_feed). */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "read_whole_file.h"
#include "rtinfer_nn/rtm_decode.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int decode_once(const uint8_t *bytes, size_t length, uint8_t *scratch, size_t scratch_size, float **arena, size_t *arena_size) {
  rtm_decoder decoder;
  rtm_init(&decoder, scratch, scratch_size);
  size_t offset = 0;
  while (offset < length) {
    size_t chunk = length - offset < 4096 ? length - offset : 4096;
    size_t consumed = 0;
    rtm_status status = rtm_feed(&decoder, bytes + offset, chunk, &consumed);
    offset += consumed;
    if (status == RTM_HEADER_READY) {
      if (rtm_arena_bytes(&decoder) > *arena_size) {
        *arena_size = rtm_arena_bytes(&decoder);
        *arena = realloc(*arena, *arena_size);
      }
      if (rtm_set_arena(&decoder, *arena, *arena_size) != RTM_OK) return -1;
    } else if (status == RTM_DONE) {
      return 0;
    } else if (status < 0) {
      fprintf(stderr, "decode failed: %s\n", rtm_status_name(status));
      return -1;
    }
  }
  return -1;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s FILE SECONDS|once\n", argv[0]);
    return 2;
  }
  size_t length = 0;
  uint8_t *bytes = read_whole_file(argv[1], &length);
  if (!bytes) return 2;
  size_t header = 0;
  if (rtm_header_bytes(bytes, length, &header) != RTM_OK) return 2;
  uint8_t *scratch = malloc(rtm_scratch_bytes(header));
  float *arena = NULL;
  size_t arena_size = 0;
  if (strcmp(argv[2], "once") == 0) return decode_once(bytes, length, scratch, rtm_scratch_bytes(header), &arena, &arena_size) == 0 ? 0 : 1;
  double budget = atof(argv[2]);
  unsigned decodes = 0;
  double start = now(), elapsed = 0;
  do {
    if (decode_once(bytes, length, scratch, rtm_scratch_bytes(header), &arena, &arena_size) != 0) return 1;
    decodes++;
    elapsed = now() - start;
  } while (elapsed < budget);
  printf("{\"containerBytes\":%zu,\"arenaBytes\":%zu,\"decodes\":%u,\"seconds\":%.6f,\"megabytesPerSecond\":%.3f}\n", length, arena_size, decodes, elapsed,
         (double)length * decodes / elapsed / 1e6);
  free(arena);
  free(scratch);
  free(bytes);
  return 0;
}
