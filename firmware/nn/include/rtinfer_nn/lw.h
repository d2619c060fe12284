/*
 * LW slicing (DeepTrust^RT): cut each layer into the fewest slices whose working set fits one enclave entry.
 * The C twin of host/src/sched/lw-slicing.ts + layer-shapes.ts under the `full` memory model: the same axes
 * (conv: output channels, then output rows; fc: outputs; pool: channels), the same preference (fewest slices,
 * ties to the earlier axis), the same near-equal partition (the first extent % slices parts one larger) and the
 * same bytes (float32: weights + biases, input (a row slice with its halo), output, im2col scratch; a 1x1
 * stride-1 conv none). The host's sched tests check both give the same units for every zoo model
 * (host/src/sched/lw-equal-c.test.ts through tools/rtinfer-lw). The TA computes a slice inside an entry arena
 * laid out exactly so (rtnn_run_layer_slice), so "fits" means fits the arena. No heap, no OS.
 */
#ifndef RTINFER_NN_LW_H
#define RTINFER_NN_LW_H

#include <stdint.h>

#include "rtinfer_nn/model.h"

typedef enum {
  RTNN_LW_OPAQUE = 0, /* not sliceable: counted as weights + input + output values, as a whole */
  RTNN_LW_CONV = 1,
  RTNN_LW_FC = 2,
  RTNN_LW_POOL = 3,
} rtnn_lw_kind;

/* Slicing axes in preference order per kind; RTNN_LW_WHOLE is the layer unsliced. */
typedef enum {
  RTNN_LW_WHOLE = 0,
  RTNN_LW_OUTPUT_CHANNELS = 1, /* conv */
  RTNN_LW_ROWS = 2,            /* conv: output rows */
  RTNN_LW_OUTPUTS = 3,         /* fc */
  RTNN_LW_CHANNELS = 4,        /* pool */
} rtnn_lw_axis;

/* A layer as the rule sees it: host/src/sched's LayerShape (conv/fc/pool, with the output size the runtime
 * computed) or an opaque footprint. */
typedef struct {
  uint32_t kind; /* rtnn_lw_kind */
  uint32_t in_channels, in_height, in_width;   /* conv; pool: channels = in_channels */
  uint32_t out_channels, out_height, out_width; /* conv; pool: out_height/out_width */
  uint32_t kernel, stride;                      /* conv, pool (square) */
  uint32_t inputs, outputs;                     /* fc */
  uint64_t opaque_values;                       /* opaque: weights + input + output values */
} rtnn_lw_shape;

/* How one layer is cut: `slices` near-equal parts of `extent` along `axis` (RTNN_LW_WHOLE: slices 1). */
typedef struct {
  uint32_t axis;
  uint32_t slices;
  uint32_t extent;
} rtnn_lw_cut;

/* The axes of a kind, in preference order; returns how many (0 for opaque). */
uint32_t rtnn_lw_axes(const rtnn_lw_shape *shape, rtnn_lw_axis axes[2]);

/* Indivisible parts along `axis` (the most slices it allows); 1 for RTNN_LW_WHOLE. */
uint32_t rtnn_lw_extent(const rtnn_lw_shape *shape, rtnn_lw_axis axis);

/* Entry bytes of the part producing `part` units along `axis` (RTNN_LW_WHOLE: the whole layer). */
uint64_t rtnn_lw_bytes(const rtnn_lw_shape *shape, rtnn_lw_axis axis, uint32_t part);

/* Part `slice` of `slices` near-equal parts of `extent`: its first unit and size. */
void rtnn_lw_part(uint32_t extent, uint32_t slices, uint32_t slice, uint32_t *start, uint32_t *count);

/* LW: the fewest slices that fit `capacity` bytes. 0 with *cut; -1 when even the smallest slice does not fit,
 * with *need = that slice's bytes (the whole layer's for an opaque one). */
int rtnn_lw_plan_layer(const rtnn_lw_shape *shape, uint64_t capacity, rtnn_lw_cut *cut, uint64_t *need);

/* The axis a layer cut into `slices` parts is cut along under `capacity`: the first axis (in preference
 * order) whose largest part fits, which is the planner's axis for its own count. 0 with *axis and *need (the
 * largest part's bytes); -1 when no axis allows that many slices (*need 0) or none fits (*need = the least
 * largest-part bytes among the axes that allow it). slices 1 is RTNN_LW_WHOLE. */
int rtnn_lw_axis_for(const rtnn_lw_shape *shape, uint32_t slices, uint64_t capacity, rtnn_lw_axis *axis, uint64_t *need);

/* Layer `layer` of a loaded model as the rule sees it: conv (one group, square kernel and stride, symmetric
 * padding), dense, max/avg pool; anything else opaque (weights + every input + output). */
rtnn_status rtnn_lw_describe(const rtnn_model *model, uint32_t layer, rtnn_lw_shape *shape);

/* The largest whole-layer bytes over the model: an entry arena of this size never needs a slice. */
uint64_t rtnn_lw_largest_layer(const rtnn_model *model);

/* The entry budget a model's LW plan is made for: `budget`, or the largest layer's bytes when that is smaller or
 * `budget` is 0 (then no layer is sliced). */
uint64_t rtnn_lw_planned_budget(const rtnn_model *model, uint64_t budget);

/* The entry arena for the LW plan at rtnn_lw_planned_budget(model, budget): the most rtnn_slice_arena_bytes() of
 * the largest slice of any layer the plan cuts (whole layers run in place, rtnn_run_layers; at least 8,
 * 8-aligned). 0 when a layer's smallest slice does not fit, with *layer and *need (its bytes); layer/need may be
 * NULL. */
size_t rtnn_lw_arena_bytes(const rtnn_model *model, uint64_t budget, uint32_t *layer, uint64_t *need);

/*
 * One slice of a conv, dense or pool layer (one rtnn_lw_describe() does not call opaque), computed in `arena`:
 * units [start, start + count) along `axis` (RTNN_LW_WHOLE: the whole layer). The arena holds, as floats, the
 * slice's weights and biases when the model keeps them sparse x codebook (decoded for this slice only; dense
 * weights are read where they are), its input (a row slice: only the rows it reads), its output and the
 * kernel's scratch; the output part is then copied into the
 * layer's planned place in `work`, which must hold the layer's inputs already (rtnn_run_layers up to it).
 * Slices computed one by one give the whole layer's output bit for bit: each output value is summed by the
 * same kernel in the same order (bias, then weight-row order), only fewer of them at a time.
 * rtnn_slice_arena_bytes: the bytes it uses, never more than rtnn_lw_bytes() counts for that part.
 * RTNN_ERR_ARGUMENT for an opaque layer, a bad axis or range, or an arena not aligned for floats;
 * RTNN_ERR_SCRATCH when arena_bytes is short (checked before anything is written); RTNN_ERR_WEIGHTS for a
 * corrupt sparse layer.
 */
size_t rtnn_slice_arena_bytes(const rtnn_model *model, uint32_t layer, rtnn_lw_axis axis, uint32_t start, uint32_t count);
rtnn_status rtnn_run_layer_slice(const rtnn_model *model, uint32_t layer, rtnn_lw_axis axis, uint32_t start,
                                 uint32_t count, const float *input, void *work, void *arena, size_t arena_bytes);

#endif
