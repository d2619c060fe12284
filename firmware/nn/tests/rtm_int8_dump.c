/* rtm_int8_dump CONTAINER ARENA_OUT [CHUNK]: decodes a quantized container (CONTAINER.md §8) into the int8 arena,
 * CHUNK bytes at a time (default 1000), and writes the arena to ARENA_OUT; then prints one line per tensor,
 * "tensor SCALE_BITS ZERO_POINT". host/src/compress/quantize-c.test.ts compares both with the host's int8 model.
 * On failure prints the status name, and for RTM_ERR_QUANT "quant WHAT INDEX NEED HAVE"; exit 1. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_test.h"
#include "rtinfer_nn/rtm_decode.h"

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s CONTAINER ARENA_OUT [CHUNK]\n", argv[0]);
    return 2;
  }
  size_t chunk = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : 1000u;
  if (chunk == 0) chunk = 1;
  size_t length = 0;
  uint8_t *bytes = nn_test_read_file(argv[1], &length);
  if (!bytes) return 2;
  size_t header = 0;
  rtm_status status = rtm_header_bytes(bytes, length < RTM_PREFIX_BYTES ? length : RTM_PREFIX_BYTES, &header);
  if (status != RTM_OK) {
    printf("%s\n", rtm_status_name(status));
    return 1;
  }
  uint8_t *scratch = malloc(rtm_scratch_bytes(header) ? rtm_scratch_bytes(header) : 1u);
  uint32_t *arena = NULL;
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
      if (!rtm_is_int8(&decoder)) {
        printf("not_int8\n");
        return 1;
      }
      arena = malloc(rtm_int8_arena_bytes(&decoder) + 4u);
      status = rtm_set_int8_arena(&decoder, arena, rtm_int8_arena_bytes(&decoder));
      if (status == RTM_OK) status = RTM_NEED_MORE;
    }
    if (status < 0) break;
  }
  if (status != RTM_DONE) {
    printf("%s\n", rtm_status_name(status));
    if (status == RTM_ERR_QUANT) {
      rtm_quant_error_info error = rtm_quant_error(&decoder);
      printf("quant %d %" PRIu32 " %" PRId64 " %" PRId64 "\n", (int)error.what, error.index, error.need, error.have);
    }
    return 1;
  }
  FILE *out = fopen(argv[2], "wb");
  if (!out || fwrite(arena, 1, rtm_int8_arena_bytes(&decoder), out) != rtm_int8_arena_bytes(&decoder)) return 2;
  fclose(out);
  for (uint32_t t = 0; t < rtm_quant_tensors(&decoder); t++) {
    float scale;
    int32_t zero_point;
    if (rtm_activation_quant(&decoder, t, &scale, &zero_point) != RTM_OK) return 2;
    uint32_t bits;
    memcpy(&bits, &scale, sizeof bits);
    printf("tensor %" PRIu32 " %" PRId32 "\n", bits, zero_point);
  }
  free(arena);
  free(scratch);
  free(bytes);
  return 0;
}
