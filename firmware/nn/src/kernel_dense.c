/* Fully connected layer on dense weights: one dot product per unit, summed in input order. */
#include "rtinfer_nn/kernels.h"

void rtnn_dense(const float *input, uint32_t inputs, const float *weights, const float *bias, uint32_t units,
                float *output) {
  for (uint32_t u = 0; u < units; u++) {
    const float *row = weights + (size_t)u * inputs;
    float sum = bias ? bias[u] : 0.0f;
    for (uint32_t i = 0; i < inputs; i++) sum += row[i] * input[i];
    output[u] = sum;
  }
}
