/* Kernels that combine or rearrange tensors without weights: add, channel concat, nearest upsampling. */
#include <string.h>

#include "rtinfer_nn/kernels.h"

void rtnn_add(const float *const *inputs, uint32_t n, float *output, uint32_t count) {
  for (uint32_t i = 0; i < count; i++) {
    float sum = inputs[0][i];
    for (uint32_t k = 1; k < n; k++) sum += inputs[k][i];
    output[i] = sum;
  }
}

void rtnn_concat(const float *const *inputs, const uint32_t *counts, uint32_t n, float *output) {
  /* Channel-first tensors that agree on every other axis: concatenating channels is appending them. */
  for (uint32_t k = 0; k < n; k++) {
    memcpy(output, inputs[k], (size_t)counts[k] * sizeof(float));
    output += counts[k];
  }
}

void rtnn_upsample(uint32_t channels, uint32_t in_h, uint32_t in_w, uint32_t scale, const float *input, float *output) {
  for (uint32_t c = 0; c < channels; c++) {
    const float *plane = input + (size_t)c * in_h * in_w;
    for (uint32_t y = 0; y < in_h * scale; y++) {
      const float *row = plane + (size_t)(y / scale) * in_w;
      for (uint32_t x = 0; x < in_w * scale; x++) *output++ = row[x / scale];
    }
  }
}
