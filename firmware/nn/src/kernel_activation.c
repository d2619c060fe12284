/* Element-wise activations; all of them may run in place (input == output). */
#include <math.h>

#include "rtinfer_nn/kernels.h"

void rtnn_relu(const float *input, float *output, uint32_t count) {
  for (uint32_t i = 0; i < count; i++) output[i] = input[i] > 0.0f ? input[i] : 0.0f;
}

void rtnn_leaky_relu(const float *input, float *output, uint32_t count, float alpha) {
  for (uint32_t i = 0; i < count; i++) output[i] = input[i] > 0.0f ? input[i] : input[i] * alpha;
}

void rtnn_softmax(const float *input, float *output, uint32_t count) {
  if (count == 0) return;
  /* Shifted by the maximum so expf never overflows; the result is the same up to rounding. */
  float max = input[0];
  for (uint32_t i = 1; i < count; i++) max = input[i] > max ? input[i] : max;
  float sum = 0.0f;
  for (uint32_t i = 0; i < count; i++) {
    output[i] = expf(input[i] - max);
    sum += output[i];
  }
  for (uint32_t i = 0; i < count; i++) output[i] /= sum;
}
