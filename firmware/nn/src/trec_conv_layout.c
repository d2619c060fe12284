/* TREC scratch sizing: the frugal layout rtnn_trec_conv() uses, and the naive design it is measured against
 * (firmware/nn/TREC.md §4). */
#include <stdint.h>

#include "trec_layout.h"

/* a += count * size, failing instead of wrapping. */
static int add_array(size_t *at, size_t *offset, uint64_t count, size_t size)
{
  if (count > (SIZE_MAX - *at) / size) return -1;
  *offset = *at;
  *at += (size_t)count * size;
  return 0;
}

int trec_layout_plan(const rtnn_conv_geometry *g, rtnn_trec_params p, trec_layout *layout)
{
  const uint64_t rows = rtnn_conv_rows(g);
  const uint64_t ids = (uint64_t)1 << p.H;
  layout->rows = (uint32_t)rows;
  layout->row_length = rtnn_conv_row_length(g);
  layout->columns = layout->row_length / p.L;
  layout->centroids = (uint32_t)(rows < ids ? rows : ids);
  /* Smallest power of two >= 2 * rows (at least 2): a hashed table at load <= 1/2. When 2^H is no bigger,
   * the direct table of the paper (indexed by id) is both smaller and collision-free. */
  uint8_t bits = 1;
  while (bits < 63 && ((uint64_t)1 << bits) < 2 * rows) bits++;
  if (ids <= ((uint64_t)1 << bits)) {
    layout->table_direct = 1;
    bits = p.H;
  } else {
    layout->table_direct = 0;
  }
  if (bits > 31) return -1; /* only reachable with rows > 2^30 */
  layout->table_bits = bits;
  layout->table_size = (uint32_t)1 << bits;

  size_t at = 0;
  const uint32_t d = layout->centroids;
  const uint64_t lanes = ((uint64_t)g->out_channels + TREC_LANES - 1) / TREC_LANES * TREC_LANES;
  if (lanes > UINT32_MAX) return -1;
  layout->lanes = (uint32_t)lanes;
  if (add_array(&at, &layout->table, layout->table_size, 2 * sizeof(uint32_t)) ||
      add_array(&at, &layout->position, d, sizeof(uint32_t)) ||
      add_array(&at, &layout->member_count, d, sizeof(uint32_t)) ||
      add_array(&at, &layout->first_member, d, sizeof(uint32_t)) ||
      add_array(&at, &layout->next_member, rows, sizeof(uint32_t)) ||
      add_array(&at, &layout->centroid, (uint64_t)d * p.L, sizeof(float)) ||
      add_array(&at, &layout->sub_vector, p.L, sizeof(float)) ||
      add_array(&at, &layout->slice, (uint64_t)p.L * lanes, sizeof(float)) ||
      add_array(&at, &layout->accumulator, rows * lanes, sizeof(float)) ||
      add_array(&at, &layout->column_offset, p.L, sizeof(uint32_t)) ||
      add_array(&at, &layout->column_ky, p.L, sizeof(uint32_t)) ||
      add_array(&at, &layout->column_kx, p.L, sizeof(uint32_t)) || at > SIZE_MAX - 3)
    return -1;
  layout->bytes = at + 3;
  return 0;
}

size_t rtnn_trec_scratch_bytes(const rtnn_conv_geometry *g, rtnn_trec_params p)
{
  trec_layout layout;
  if (rtnn_trec_check(g, p, NULL, NULL) != RTNN_OK || trec_layout_plan(g, p, &layout) != 0) return 0;
  return layout.bytes;
}

/* The naive design: per sub-vector column a stored H x L hash matrix (H * K floats in all), 2^H centroid
 * slots of L floats with a member count each, and the per-row ids of the column being processed. */
size_t rtnn_trec_naive_scratch_bytes(const rtnn_conv_geometry *g, rtnn_trec_params p)
{
  if (rtnn_trec_check(g, p, NULL, NULL) != RTNN_OK) return 0;
  const uint64_t ids = (uint64_t)1 << p.H;
  size_t at = 0, offset;
  if (add_array(&at, &offset, (uint64_t)p.H * rtnn_conv_row_length(g), sizeof(float)) ||
      add_array(&at, &offset, ids, (size_t)p.L * sizeof(float)) || add_array(&at, &offset, ids, sizeof(uint32_t)) ||
      add_array(&at, &offset, rtnn_conv_rows(g), sizeof(uint32_t)))
    return SIZE_MAX;
  return at;
}
