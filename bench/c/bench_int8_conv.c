/* int8 conv (rtnn_i8_conv over CMSIS-NN) against the fp32 conv (rtnn_conv) on CifarNet's three conv layers and a
 * SqueezeNet-style 1x1 squeeze, synthetic data (the instruction counts do not depend on the values); bench/int8-conv.sh
 * runs it (firmware/nn/INT8.md, "Measured").
 * - On the host (CMSIS-NN's pure C paths), each kernel call is followed by a callgrind dump named after it, so under
 *     valgrind --tool=callgrind --collect-atstart=no --toggle-collect=rtnn_conv --toggle-collect=rtnn_i8_conv
 *   every dump holds one call's instructions. Natively it just runs both.
 * - On a Cortex-M under QEMU with -icount shift=0 and semihosting (scripts/test-int8-arm.sh --bench), SysTick on the
 *   core clock brackets each call: virtual time is 1 ns per instruction, so instructions = ticks x 1e9 / 25 MHz
 *   (QEMU's MPS2 clock), printed as "instructions fp32 int8" per layer.
 * Prints one line per layer: name, MACs, fp32 and int8 scratch bytes[, fp32 and int8 instructions]. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__arm__)
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define MPS2_CLOCK_HZ 25000000u
static uint32_t systick_now(void) { return SYST_CVR; }
/* 24-bit down counter at 40 instructions a tick: one call must stay under 2^24 ticks (671 M instructions). */
static uint64_t instructions_since(uint32_t start) { return (uint64_t)((start - SYST_CVR) & 0xFFFFFFu) * (1000000000u / MPS2_CLOCK_HZ); }
#define DUMP(name) ((void)(name))
#else
#include <valgrind/callgrind.h>
static uint32_t systick_now(void) { return 0; }
static uint64_t instructions_since(uint32_t start) { return (void)start, 0; }
#define DUMP(name) CALLGRIND_DUMP_STATS_AT(name)
#endif

#include "rtinfer_nn/int8_kernels.h"
#include "rtinfer_nn/kernels.h"

typedef struct {
  const char *name;
  rtnn_conv_geometry g;
} layer;

static const layer layers[] = {
    {"cifarnet.conv1", {3, 32, 32, 32, 32, 32, 5, 5, 1, 1, 2, 2, 1}},
    {"cifarnet.conv2", {32, 16, 16, 32, 16, 16, 5, 5, 1, 1, 2, 2, 1}},
    {"cifarnet.conv3", {32, 8, 8, 64, 8, 8, 5, 5, 1, 1, 2, 2, 1}},
    {"squeeze1x1", {128, 8, 8, 16, 8, 8, 1, 1, 1, 1, 0, 0, 1}},
};

int main(int argc, char **argv)
{
  (void)argc, (void)argv;
#if defined(__arm__)
  SYST_RVR = 0xFFFFFFu;
  SYST_CVR = 0u;
  SYST_CSR = 5u; /* enable, core clock, no interrupt */
#endif
  uint32_t seed = 7;
  for (size_t l = 0; l < sizeof layers / sizeof layers[0]; l++) {
    const rtnn_conv_geometry *g = &layers[l].g;
    const size_t in = (size_t)g->in_channels * g->in_h * g->in_w, out = (size_t)g->out_channels * g->out_h * g->out_w;
    const size_t w = (size_t)g->out_channels * rtnn_conv_row_length(g);
    float *fin = malloc(in * 4), *fw = malloc(w * 4), *fb = malloc(g->out_channels * 4), *fout = malloc(out * 4);
    int8_t *qin = malloc(in), *qw = malloc(w), *qout = malloc(out);
    int32_t *qb = malloc(g->out_channels * 4), *mult = malloc(g->out_channels * 4), *shift = malloc(g->out_channels * 4);
    for (size_t i = 0; i < in; i++) seed = seed * 1664525u + 1013904223u, qin[i] = (int8_t)(seed >> 24), fin[i] = qin[i] / 128.0f;
    for (size_t i = 0; i < w; i++) seed = seed * 1664525u + 1013904223u, qw[i] = (int8_t)(seed >> 24), fw[i] = qw[i] / 128.0f;
    for (uint32_t c = 0; c < g->out_channels; c++) fb[c] = 0, qb[c] = 0, mult[c] = 1 << 30, shift[c] = -8;
    const rtnn_i8_channel_quant q = {.input_zero_point = -3, .output_zero_point = 5, .multiplier = mult, .shift = shift,
                                     .clamp = {-128, 127}};
    const size_t fscratch = rtnn_conv_scratch_bytes(g), qscratch = rtnn_i8_conv_scratch_bytes(g, RTNN_I8_TARGET_NATIVE);
    void *fs = malloc(fscratch ? fscratch : 1), *qs = malloc(qscratch ? qscratch : 1);
    char dump[64];
    uint32_t start = systick_now();
    const rtnn_status fstatus = rtnn_conv(g, fin, fw, fb, fout, fs, fscratch);
    const uint64_t fp32_instructions = instructions_since(start);
    snprintf(dump, sizeof dump, "fp32 %s", layers[l].name);
    DUMP(dump);
    start = systick_now();
    const rtnn_status qstatus = rtnn_i8_conv(g, &q, qin, qw, qb, qout, qs, qscratch);
    const uint64_t int8_instructions = instructions_since(start);
    snprintf(dump, sizeof dump, "int8 %s", layers[l].name);
    DUMP(dump);
    if (fstatus != RTNN_OK || qstatus != RTNN_OK) {
      fprintf(stderr, "bench_int8_conv: %s: status %d / %d\n", layers[l].name, fstatus, qstatus);
      return 1;
    }
    printf("%s %lu %lu %lu", layers[l].name, (unsigned long)(out * rtnn_conv_row_length(g)), (unsigned long)fscratch,
           (unsigned long)qscratch);
#if defined(__arm__)
    printf(" %llu %llu", (unsigned long long)fp32_instructions, (unsigned long long)int8_instructions);
#else
    (void)fp32_instructions, (void)int8_instructions;
#endif
    printf("\n");
    free(fin), free(fw), free(fb), free(fout), free(qin), free(qw), free(qout), free(qb), free(mult), free(shift);
    free(fs), free(qs);
  }
  return 0;
}
