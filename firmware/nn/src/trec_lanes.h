/* TREC's vectorisable inner loops (trec_conv_lanes.c). */
#ifndef RTINFER_NN_TREC_LANES_H
#define RTINFER_NN_TREC_LANES_H

#include <stdint.h>

/* Independent float32 sums computed side by side: a constant trip count gcc -O2 vectorises. */
#define TREC_LANES 8u
/* End of a centroid's member list. */
#define TREC_NO_ROW UINT32_MAX

/* slice[t * lanes + m] = W[m][first + t] for t < L, m < lanes (zero for m >= M). */
void trec_load_slice(const float *weights, uint32_t K, uint32_t M, uint32_t lanes, uint32_t first, uint32_t L,
                     float *slice);

/* The H-bit cluster id of sub-vector x (H <= RTNN_TREC_MAX_H <= lanes rounded to TREC_LANES). */
uint32_t trec_hash(const float *x, const float *slice, uint32_t L, uint32_t lanes, uint32_t H);

/* One centroid's product with the slice, added to the accumulator rows of its members (first_row, next[]). */
void trec_multiply_and_scatter(const float *mean, const float *slice, uint32_t L, uint32_t lanes, uint32_t first_row,
                               const uint32_t *next, float *accumulator);

#endif
