/* TREC's inner loops (TREC.md §3 steps 1, 4, 5), TREC_LANES independent float32 sums side by side so gcc -O2
 * vectorises them (each sum still adds its terms in TREC.md's order). A translation unit of their own: inlined
 * into rtnn_trec_conv, where every array is carved from one scratch block, gcc cannot rule out overlap and
 * leaves them scalar. */
#include <stddef.h>
#include <stdint.h>

#include "rtinfer_nn/trec_conv.h"
#include "trec_lanes.h"

/* Column s's weight slice, transposed: slice[t * lanes + m] = W[m][first + t], zero for m >= out_channels.
 * Rows 0..H-1 of W are also the hash projections (kernel reuse), so lanes 0..H-1 serve both. */
void trec_load_slice(const float *weights, uint32_t K, uint32_t M, uint32_t lanes, uint32_t first, uint32_t L,
                       float *slice)
{
  for (uint32_t t = 0; t < L; t++)
    for (uint32_t m = 0; m < lanes; m++) slice[(size_t)t * lanes + m] = m < M ? weights[(size_t)m * K + first + t] : 0.0f;
}

/* The H-bit id of x: bit j = (dot(x, W[j][first..]) > 0). TREC_LANES dots at a time (a constant count, so
 * their sums stay in vector registers across the pass over x), each adding its terms in index order from +0
 * (TREC.md §3); lanes past H are computed and masked off. */
uint32_t trec_hash(const float *x, const float *slice, uint32_t L, uint32_t lanes, uint32_t H)
{
  uint32_t bits = 0;
  for (uint32_t b = 0; b < H; b += TREC_LANES) {
    float dots[TREC_LANES] = {0};
    for (uint32_t t = 0; t < L; t++) {
      const float v = x[t];
      const float *w = slice + (size_t)t * lanes + b;
      for (uint32_t i = 0; i < TREC_LANES; i++) dots[i] += v * w[i];
    }
    uint32_t block = 0;
    for (uint32_t i = 0; i < TREC_LANES; i++) block |= (uint32_t)(dots[i] > 0.0f) << i;
    bits |= block << b;
  }
  return H < 32 ? bits & (((uint32_t)1u << H) - 1u) : bits;
}

/* Product of one centroid with the slice, TREC_LANES channels at a time, added to every member row's
 * accumulator (row-major [rows][lanes], so each add is contiguous). */
void trec_multiply_and_scatter(const float *mean, const float *slice, uint32_t L, uint32_t lanes, uint32_t first_row,
                                 const uint32_t *next, float *accumulator)
{
  for (uint32_t b = 0; b < lanes; b += TREC_LANES) {
    float product[TREC_LANES] = {0};
    for (uint32_t t = 0; t < L; t++) {
      const float v = mean[t];
      const float *w = slice + (size_t)t * lanes + b;
      for (uint32_t i = 0; i < TREC_LANES; i++) product[i] += v * w[i];
    }
    for (uint32_t r = first_row; r != TREC_NO_ROW; r = next[r]) {
      float *row = accumulator + (size_t)r * lanes + b;
      for (uint32_t i = 0; i < TREC_LANES; i++) row[i] += product[i];
    }
  }
}
