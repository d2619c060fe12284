/* rtm_dump CONTAINER ARENA_OUT [CHUNK]: decodes a container with the streaming decoder, CHUNK bytes at a time
 * (default 1000), and writes the arena (per layer: dense float32 weights, then bias) to ARENA_OUT.
 * The host's round-trip test runs models on what this writes. Exit 0 on RTM_DONE, else prints the status. */
#include <stdio.h>
#include <stdlib.h>

#include "read_whole_file.h"
#include "rtinfer_nn/rtm_decode.h"

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s CONTAINER ARENA_OUT [CHUNK]\n", argv[0]);
    return 2;
  }
  size_t chunk = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : 1000u;
  if (chunk == 0) chunk = 1;
  size_t length = 0;
  uint8_t *bytes = read_whole_file(argv[1], &length);
  if (!bytes) return 2;
  size_t header = 0;
  rtm_status status = rtm_header_bytes(bytes, length < RTM_PREFIX_BYTES ? length : RTM_PREFIX_BYTES, &header);
  if (status != RTM_OK) {
    fprintf(stderr, "%s\n", rtm_status_name(status));
    return 1;
  }
  uint8_t *scratch = malloc(rtm_scratch_bytes(header) ? rtm_scratch_bytes(header) : 1u);
  float *arena = NULL;
  rtm_decoder decoder;
  rtm_init(&decoder, scratch, rtm_scratch_bytes(header));
  size_t offset = 0;
  status = RTM_NEED_MORE;
  while (offset < length && status != RTM_DONE) {
    size_t take = length - offset < chunk ? length - offset : chunk;
    size_t consumed = 0;
    status = rtm_feed(&decoder, bytes + offset, take, &consumed);
    offset += consumed;
    if (status == RTM_HEADER_READY) {
      arena = malloc(rtm_arena_bytes(&decoder) ? rtm_arena_bytes(&decoder) : 1u);
      status = rtm_set_arena(&decoder, arena, rtm_arena_bytes(&decoder));
      if (status == RTM_OK) status = RTM_NEED_MORE;
    }
    if (status < 0) break;
  }
  if (status != RTM_DONE) {
    fprintf(stderr, "%s\n", rtm_status_name(status));
    return 1;
  }
  FILE *out = fopen(argv[2], "wb");
  if (!out || fwrite(arena, 1, rtm_arena_bytes(&decoder), out) != rtm_arena_bytes(&decoder)) return 2;
  fclose(out);
  free(arena);
  free(scratch);
  free(bytes);
  return 0;
}
