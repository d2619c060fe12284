/* The work-buffer plan: every activation gets an offset by liveness (greedy by size), so
 * activations whose lifetimes overlap never share bytes and dead ones are reused. Flatten and reshape alias
 * their input; relu, leaky relu, softmax and add run in place when their (first) input dies with them. */
#include "model_internal.h"
#include "rtinfer_nn/kernels.h"

#define NO_BUFFER (-1)

static int is_alias(rtnn_op op) { return op == RTNN_OP_FLATTEN || op == RTNN_OP_RESHAPE; }

static int can_run_in_place(const rtnn_model *model, rtnn_op op) {
  /* The int8 softmax (CMSIS-NN) takes no overlapping input and output. */
  if (model->int8 && op == RTNN_OP_SOFTMAX) return 0;
  return op == RTNN_OP_RELU || op == RTNN_OP_LEAKY_RELU || op == RTNN_OP_SOFTMAX || op == RTNN_OP_ADD;
}

typedef struct {
  int32_t buffer[RTNN_MAX_LAYERS];    /* owning layer of each layer's bytes; NO_BUFFER: the graph input */
  uint32_t last_read[RTNN_MAX_LAYERS]; /* last layer reading each layer's output (itself if none) */
  uint32_t end[RTNN_MAX_LAYERS];       /* per owning layer: last step its bytes are needed (layer_count: kept) */
} liveness;

/* Last step at which buffer `owner` is still needed, counting the layers defined before `before`. */
static uint32_t needed_until(const rtnn_model *model, const liveness *live, int32_t owner, uint32_t before) {
  uint32_t end = (uint32_t)owner;
  for (uint32_t u = 0; u < before; u++) {
    if (live->buffer[u] != owner) continue;
    if (model->layers[u].output) return model->layer_count;
    if (live->last_read[u] > end) end = live->last_read[u];
  }
  return end;
}

static void assign_buffers(const rtnn_model *model, liveness *live) {
  for (uint32_t i = 0; i < model->layer_count; i++) live->last_read[i] = i;
  for (uint32_t i = 0; i < model->layer_count; i++) {
    const rtnn_layer *layer = &model->layers[i];
    for (uint32_t k = 0; k < layer->input_count; k++) {
      if (layer->inputs[k] != RTNN_GRAPH_INPUT) live->last_read[layer->inputs[k]] = i;
    }
  }
  for (uint32_t i = 0; i < model->layer_count; i++) {
    const rtnn_layer *layer = &model->layers[i];
    const uint16_t first = layer->inputs[0];
    const int32_t input_buffer = first == RTNN_GRAPH_INPUT ? NO_BUFFER : live->buffer[first];
    live->buffer[i] = (int32_t)i;
    if (is_alias(layer->op)) {
      live->buffer[i] = input_buffer;
    } else if (can_run_in_place(model, layer->op) && input_buffer != NO_BUFFER &&
               needed_until(model, live, input_buffer, i) <= i) {
      /* Nobody reads the input after this layer: overwrite it (the caller's input is never written). */
      live->buffer[i] = input_buffer;
    }
  }
  for (uint32_t i = 0; i < model->layer_count; i++) {
    if (live->buffer[i] == (int32_t)i) live->end[i] = needed_until(model, live, (int32_t)i, model->layer_count);
  }
}

/* int8 models hold one byte per value. */
static size_t output_bytes(const rtnn_model *model, const rtnn_layer *layer) {
  return rtnn_align8((size_t)rtnn_shape_count(&layer->shape) * (model->int8 ? 1u : sizeof(float)));
}

/* Buffers owned by layers a and b are needed at the same time (their [definition, end] steps overlap). */
static int overlap_in_time(const liveness *live, uint32_t a, uint32_t b) { return a <= live->end[b] && b <= live->end[a]; }

/* Lowest offset where `bytes` fit beside every placed buffer needed at the same time as `owner`'s. */
static uint64_t lowest_fit(const rtnn_model *model, const liveness *live, const uint8_t *placed, uint32_t owner,
                           uint64_t bytes) {
  uint64_t offset = 0;
  for (int moved = 1; moved;) {
    moved = 0;
    for (uint32_t b = 0; b < model->layer_count; b++) {
      if (!placed[b] || !overlap_in_time(live, b, owner)) continue;
      const uint64_t start = model->layers[b].offset, stop = start + output_bytes(model, &model->layers[b]);
      if (offset < stop && start < offset + bytes) {
        offset = stop;
        moved = 1;
      }
    }
  }
  return offset;
}

rtnn_status rtnn_plan(rtnn_model *model) {
  liveness live;
  assign_buffers(model, &live);
  /* Greedy by size (as TFLite Micro's planner): the biggest buffers are placed first, each at the lowest offset
   * free during its lifetime, ties in execution order; smaller ones then fill the gaps between them. */
  uint8_t placed[RTNN_MAX_LAYERS] = {0};
  uint64_t total = 0;
  for (;;) {
    uint32_t next = model->layer_count;
    for (uint32_t i = 0; i < model->layer_count; i++) {
      if (placed[i] || live.buffer[i] != (int32_t)i) continue;
      if (next == model->layer_count || output_bytes(model, &model->layers[i]) > output_bytes(model, &model->layers[next])) next = i;
    }
    if (next == model->layer_count) break;
    const uint64_t bytes = output_bytes(model, &model->layers[next]), offset = lowest_fit(model, &live, placed, next, bytes);
    if (offset + bytes > UINT32_MAX) return RTNN_ERR_LIMIT;
    model->layers[next].offset = (uint32_t)offset;
    placed[next] = 1;
    if (offset + bytes > total) total = offset + bytes;
  }
  for (uint32_t i = 0; i < model->layer_count; i++) {
    rtnn_layer *layer = &model->layers[i];
    /* Aliases and in-place layers take their owner's place (owners come first in execution order). */
    if (live.buffer[i] == NO_BUFFER) layer->offset = RTNN_AT_INPUT;
    else if (live.buffer[i] != (int32_t)i) layer->offset = model->layers[live.buffer[i]].offset;
    /* Dense-mode scratch: only the dense-weight conv unfolds (im2col); the sparse kernels need none. */
    size_t scratch = layer->op == RTNN_OP_CONV && !model->sparse && !model->int8 ? rtnn_conv_scratch_bytes(&layer->conv) : 0;
    if (scratch > UINT32_MAX) return RTNN_ERR_LIMIT;
    layer->scratch_bytes = (uint32_t)scratch;
  }
  model->activation_bytes = (size_t)total;
  if (model->int8) {
    /* After the activations: the quantized input (channel-last), then the dequantized output (float). */
    model->i8_input_at = model->activation_bytes;
    model->i8_output_at = model->i8_input_at + rtnn_align8(rtnn_shape_count(&model->input_shape));
    model->activation_bytes = model->i8_output_at + rtnn_align8((size_t)rtnn_shape_count(&model->layers[model->output_layer].shape) * sizeof(float));
  }
  return RTNN_OK;
}
