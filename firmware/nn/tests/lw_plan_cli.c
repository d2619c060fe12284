/* rtinfer-lw: the C LW rule (rtinfer_nn/lw.h) as a filter, so host/src/sched/lw-equal-c.test.ts can check that it
 * and the TypeScript rule (lw-slicing.ts) give the same units. Usage: rtinfer-lw CAPACITY... < layers
 * One layer per input line:  conv inC inH inW outC outH outW kernel stride | fc inputs outputs |
 *                            pool C inH inW outH outW kernel stride | opaque values
 * Per capacity, per layer, one output line: "<capacity> <layer> <slices> <bytes of each slice, comma-separated>",
 * or "<capacity> <layer> too-large <need>". Exit 2 on a line it cannot read. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtinfer_nn/lw.h"

#define MAX_LAYERS 4096

static rtnn_lw_shape s_layers[MAX_LAYERS];

static int read_layer(const char *line, rtnn_lw_shape *s) {
  char kind[16];
  unsigned long long v = 0;
  memset(s, 0, sizeof *s);
  if (sscanf(line, "%15s", kind) != 1) return 0;
  if (strcmp(kind, "conv") == 0) {
    s->kind = RTNN_LW_CONV;
    return sscanf(line, "conv %" SCNu32 " %" SCNu32 " %" SCNu32 " %" SCNu32 " %" SCNu32 " %" SCNu32 " %" SCNu32 " %" SCNu32, &s->in_channels, &s->in_height, &s->in_width, &s->out_channels, &s->out_height,
                  &s->out_width, &s->kernel, &s->stride) == 8;
  }
  if (strcmp(kind, "fc") == 0) {
    s->kind = RTNN_LW_FC;
    return sscanf(line, "fc %" SCNu32 " %" SCNu32, &s->inputs, &s->outputs) == 2;
  }
  if (strcmp(kind, "pool") == 0) {
    s->kind = RTNN_LW_POOL;
    if (sscanf(line, "pool %" SCNu32 " %" SCNu32 " %" SCNu32 " %" SCNu32 " %" SCNu32 " %" SCNu32 " %" SCNu32, &s->in_channels, &s->in_height, &s->in_width, &s->out_height, &s->out_width, &s->kernel,
               &s->stride) != 7)
      return 0;
    s->out_channels = s->in_channels;
    return 1;
  }
  if (strcmp(kind, "opaque") == 0 && sscanf(line, "opaque %llu", &v) == 1) {
    s->kind = RTNN_LW_OPAQUE;
    s->opaque_values = v;
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  char line[512];
  unsigned count = 0;
  while (fgets(line, sizeof line, stdin)) {
    if (line[0] == '\n') continue;
    if (count == MAX_LAYERS || !read_layer(line, &s_layers[count])) {
      fprintf(stderr, "rtinfer-lw: cannot read layer line %u: %s", count + 1u, line);
      return 2;
    }
    count++;
  }
  for (int a = 1; a < argc; a++) {
    const unsigned long long capacity = strtoull(argv[a], NULL, 10);
    for (unsigned l = 0; l < count; l++) {
      rtnn_lw_cut cut;
      uint64_t need = 0;
      if (rtnn_lw_plan_layer(&s_layers[l], capacity, &cut, &need) != 0) {
        printf("%llu %u too-large %llu\n", capacity, l, (unsigned long long)need);
        continue;
      }
      printf("%llu %u %" PRIu32 " ", capacity, l, cut.slices);
      for (uint32_t s = 0; s < cut.slices; s++) {
        uint32_t start = 0, part = 0;
        rtnn_lw_part(cut.extent, cut.slices, s, &start, &part);
        const uint64_t bytes = cut.axis == RTNN_LW_WHOLE ? rtnn_lw_bytes(&s_layers[l], RTNN_LW_WHOLE, 0) : rtnn_lw_bytes(&s_layers[l], (rtnn_lw_axis)cut.axis, part);
        printf("%s%llu", s ? "," : "", (unsigned long long)bytes);
      }
      printf("\n");
    }
  }
  return 0;
}
