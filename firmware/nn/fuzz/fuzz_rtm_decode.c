/* libFuzzer target: arbitrary bytes through the streaming .rtm decoder, in chunks the input chooses.
 * Buffers are exactly what the decoder asks for (or the test's cap), so ASan sees any overrun. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtinfer_nn/rtm_decode.h"

#define ARENA_CAP (8u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  /* The first byte picks dense or sparse output (bit 0; an int8 container, CONTAINER.md §8, then decodes into
   * its int8 arena instead of the sparse one) and the chunk size, so every split gets explored. */
  int sparse = data[0] & 1u;
  int int8 = 0;
  size_t chunk = 1u + (data[0] >> 1) * 26u;
  data++;
  size--;
  size_t header = 0;
  if (rtm_header_bytes(data, size < RTM_PREFIX_BYTES ? size : RTM_PREFIX_BYTES, &header) != RTM_OK) return 0;
  if (header > (1u << 20)) return 0;
  uint8_t *scratch = malloc(rtm_scratch_bytes(header) ? rtm_scratch_bytes(header) : 1u);
  float *arena = NULL;
  rtm_decoder decoder;
  rtm_init(&decoder, scratch, rtm_scratch_bytes(header));
  size_t offset = 0;
  while (offset < size) {
    size_t take = size - offset < chunk ? size - offset : chunk;
    size_t consumed = 0;
    rtm_status status = rtm_feed(&decoder, data + offset, take, &consumed);
    if (consumed > take) abort();
    offset += consumed;
    if (status == RTM_HEADER_READY) {
      int8 = sparse && rtm_is_int8(&decoder);
      size_t need = int8 ? rtm_int8_arena_bytes(&decoder) : sparse ? rtm_sparse_arena_bytes(&decoder) : rtm_arena_bytes(&decoder);
      if (need > ARENA_CAP) break;
      arena = malloc(need ? need : 1u);
      rtm_status attached = int8     ? rtm_set_int8_arena(&decoder, arena, need)
                            : sparse ? rtm_set_sparse_arena(&decoder, arena, need)
                                     : rtm_set_arena(&decoder, arena, need);
      if (attached != RTM_OK) break;
      continue;
    }
    if (status < 0 || status == RTM_DONE) break;
  }
  /* Touch the last byte of every layer view, so a view that points outside the arena is caught. */
  for (uint32_t i = 0; arena && i < rtm_layer_count(&decoder); i++) {
    rtm_layer_view view;
    rtm_sparse_layer_view sparse_view;
    if (!sparse && rtm_layer(&decoder, i, &view) == RTM_OK && view.weight_count) {
      volatile float sink = view.weights[view.weight_count - 1] + (view.bias_count ? view.bias[view.bias_count - 1] : 0.0f);
      (void)sink;
    }
    rtm_int8_layer_view int8_view;
    if (int8 && rtm_int8_layer(&decoder, i, &int8_view) == RTM_OK && int8_view.weight_count) {
      volatile uint32_t sink = (uint32_t)int8_view.weights[int8_view.weight_count - 1] ^ (uint32_t)int8_view.shifts[int8_view.channels - 1] ^
                               (int8_view.bias ? (uint32_t)int8_view.bias[int8_view.channels - 1] : 0u);
      (void)sink;
    }
    if (sparse && !int8 && rtm_sparse_layer(&decoder, i, &sparse_view) == RTM_OK && sparse_view.entries) {
      volatile uint8_t sink = sparse_view.gaps[sparse_view.entries - 1] ^ sparse_view.indices[sparse_view.entries - 1];
      (void)sink;
    }
  }
  free(arena);
  free(scratch);
  return 0;
}
