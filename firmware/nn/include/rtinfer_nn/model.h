/*
 * The inference runtime: a model decoded from an .rtm container (rtm_decode.h), run layer by layer on one
 * caller-given work buffer. No heap, no OS.
 *
 *   rtnn_model_load(&model, &decoder)      after rtm_feed() returned RTM_DONE: parses the graph kept in the
 *                                          decoder's header copy, infers shapes, binds each conv/dense layer to
 *                                          its weights (dense arena, or sparse x codebook arena)
 *   rtnn_config_check(&model, &config, …)  TREC parameters usable? (which layer, need, have)
 *   rtnn_work_bytes(&model, &config)       activations (planned by liveness) + the largest kernel scratch
 *   rtnn_run(&model, &config, input, …)    one inference; the observer sees every layer start and end
 *
 * Layer indices are positions in the container graph's `layers` array (execution order); they are the
 * `layer` numbers of the protocol's INFER/RESULT/TRACE messages.
 */
#ifndef RTINFER_NN_MODEL_H
#define RTINFER_NN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "rtinfer_nn/conv_geometry.h"
#include "rtinfer_nn/rtm_decode.h"
#include "rtinfer_nn/status.h"
#include "rtinfer_nn/trec_conv.h"

/* SqueezeNet (CIFAR) has 66 layers once relus, concats and pools count as layers. */
/* Layers a model may have; a board short of RAM lowers it (rtnn_model holds a record per layer). */
#ifndef RTNN_MAX_LAYERS
#define RTNN_MAX_LAYERS 128u
#endif
#define RTNN_MAX_LAYER_INPUTS 8u
#define RTNN_MAX_DIMS 4u

typedef enum {
  RTNN_OP_CONV,
  RTNN_OP_DENSE,
  RTNN_OP_MAX_POOL,
  RTNN_OP_AVG_POOL,
  RTNN_OP_GLOBAL_AVG_POOL,
  RTNN_OP_RELU,
  RTNN_OP_LEAKY_RELU,
  RTNN_OP_CONCAT,
  RTNN_OP_ADD,
  RTNN_OP_FLATTEN,
  RTNN_OP_RESHAPE,
  RTNN_OP_SOFTMAX,
  RTNN_OP_UPSAMPLE,
} rtnn_op;

typedef struct {
  uint32_t dims[RTNN_MAX_DIMS];
  uint8_t rank;
} rtnn_shape;

typedef struct {
  rtnn_op op;
  uint8_t input_count;
  uint8_t ceil_mode; /* pools: Caffe-style rounding up of the output size */
  uint8_t output;    /* a graph output: its activation is kept to the end of a run */
  /* Producers: a layer index, or RTNN_GRAPH_INPUT for the graph input. */
  uint16_t inputs[RTNN_MAX_LAYER_INPUTS];
  rtnn_shape shape; /* output shape */
  /* The layer's name in the container (not NUL-terminated; points into the decoder's header copy). */
  const char *name;
  uint32_t name_length;
  /* Op attributes (the ones the op uses). */
  rtnn_conv_geometry conv; /* conv; for dense: in_channels = inputs, out_channels = units, the rest 1 */
  uint32_t kernel[2], stride[2], pads[4]; /* pools (conv's are in `conv`) */
  uint32_t scale;                          /* upsample */
  float alpha;                             /* leaky relu */
  /* Weighted layers: index of the codec in the container (rtm_layer / rtm_sparse_layer), else UINT32_MAX. */
  uint32_t codec;
  /* Weighted layers: the weights bound at load time. Dense arena: `weights` (weight_count floats); sparse
   * arena: `codebook`/`gaps`/`indices`/`entries` (weights NULL). bias: one per output channel, or NULL. */
  const float *weights;
  uint32_t weight_count;
  const float *bias;
  const float *codebook;
  uint32_t codebook_length;
  const uint8_t *gaps;
  const uint8_t *indices;
  uint32_t entries;
  /* The plan (rtnn_work_bytes): byte offset of this layer's output in the work buffer, shared with its input
   * when the layer aliases it (flatten/reshape) or runs in place; RTNN_AT_INPUT when the output is the
   * caller's input itself (a flatten of the graph input). */
  uint32_t offset;
  /* Scratch this layer needs when run densely (im2col); TREC layers add theirs per config. int8 models: the
   * int8 kernel's (set by rtnn_i8_attach). */
  uint32_t scratch_bytes;
  /* int8 models (CONTAINER.md §8): the output's scale and zero point, and for conv/dense the int8 arena's
   * weights (int8 layout), int32 bias (NULL: none), multipliers and shifts, one per output channel. */
  float i8_scale;
  int32_t i8_zero_point;
  const int8_t *i8_weights;
  const int32_t *i8_bias;
  const int32_t *i8_multipliers;
  const int32_t *i8_shifts;
} rtnn_layer;

struct rtnn_model;
struct rtnn_config;
struct rtnn_observer;
/* How an int8 model runs: the int8 kernels (firmware/nn/int8_model, over CMSIS-NN), attached by rtnn_i8_attach()
 * so that this library itself needs no CMSIS-NN. TREC layers run int8 TREC (rtinfer_nn/trec_int8.h): its check and
 * scratch take the place of the fp32 TREC's in rtnn_config_check() and rtnn_work_bytes(). */
typedef struct {
  rtnn_status (*run_layers)(const struct rtnn_model *model, const struct rtnn_config *config, const float *input,
                            void *work, uint32_t first, uint32_t end, const struct rtnn_observer *observer);
  rtnn_status (*trec_check)(const rtnn_conv_geometry *g, rtnn_trec_params p, uint32_t *need, uint32_t *have);
  size_t (*trec_scratch_bytes)(const rtnn_conv_geometry *g, rtnn_trec_params p);
} rtnn_i8_runner;

#define RTNN_GRAPH_INPUT 0xFFFFu
#define RTNN_AT_INPUT UINT32_MAX
/* rtnn_run() needs a work buffer aligned at least like a float; offsets inside it are multiples of 8. */
#define RTNN_WORK_ALIGN 8u

typedef struct rtnn_model {
  const rtm_decoder *decoder; /* it, its scratch (the header) and its arena must outlive the model */
  int sparse; /* weights in the sparse arena (rtm_set_sparse_arena) rather than dense */
  /* Weights in the int8 arena (rtm_set_int8_arena): the model runs in int8 once rtnn_i8_attach() gave it a
   * runner. Activations are then int8, channel-last; the work buffer holds them (planned at 1 byte a value),
   * the quantized input at i8_input_at and the dequantized output (float, channel-first) at i8_output_at. */
  int int8;
  float i8_input_scale;
  int32_t i8_input_zero_point;
  size_t i8_input_at, i8_output_at;
  const rtnn_i8_runner *i8_runner;
  rtnn_shape input_shape;
  uint32_t layer_count;
  uint32_t output_layer; /* the graph's first output */
  uint32_t test_inputs;  /* inputs stored in the header (`testInputs`, CONTAINER.md) */
  size_t test_inputs_at; /* offset in the header of the first one */
  size_t activation_bytes; /* the activations' part of the work buffer; kernel scratch follows it */
  rtnn_layer layers[RTNN_MAX_LAYERS];
} rtnn_model;

/* Per-layer execution: mode 0 dense; 1 TREC for the conv layers that have parameters in `trec`. */
typedef struct rtnn_config {
  uint8_t mode;
  /* Indexed by layer; H == 0 means "run this layer densely". NULL: every layer dense. */
  const rtnn_trec_params *trec; /* RTNN_MAX_LAYERS entries when not NULL */
} rtnn_config;

/* Callbacks around each layer of a run; any of them may be NULL. layer_end is called only when the layer
 * succeeded (a failing run returns at once); during layer_end, rtnn_layer_output() shows the layer's output. */
typedef struct rtnn_observer {
  void *context;
  void (*layer_start)(void *context, uint32_t layer);
  void (*layer_end)(void *context, uint32_t layer);
  void (*trec_stats)(void *context, uint32_t layer, const rtnn_trec_stats *stats);
} rtnn_observer;

/* Parses the graph kept in the decoder's header (after rtm_feed() returned RTM_DONE), infers every shape,
 * binds the weights and plans the work buffer. RTNN_ERR_ARGUMENT if the decoder is not done; RTNN_ERR_GRAPH
 * (malformed graph, unknown op or input name), RTNN_ERR_SHAPE, RTNN_ERR_WEIGHTS, RTNN_ERR_LIMIT,
 * RTNN_ERR_INPUT (a `testInputs` entry of the wrong size). */
rtnn_status rtnn_model_load(rtnn_model *model, const rtm_decoder *decoder);

uint32_t rtnn_shape_count(const rtnn_shape *shape);

/* Elements of the graph input and of the (first) output. */
uint32_t rtnn_input_count(const rtnn_model *model);
const rtnn_shape *rtnn_output_shape(const rtnn_model *model);

/* Copies stored test input `index` (float32) into `out` (rtnn_input_count() floats); RTNN_ERR_INPUT if
 * index >= model->test_inputs. */
rtnn_status rtnn_test_input(const rtnn_model *model, uint32_t index, float *out);

/* RTNN_OK, or the first layer whose TREC parameters are unusable (*layer) with need/have as
 * rtnn_trec_check() gives them; a TREC entry on a layer that is not a conv is RTNN_ERR_INVALID too (need and
 * have 0). A NULL config, mode 0 or a NULL trec table is all dense (RTNN_OK); mode > 1 is RTNN_ERR_ARGUMENT.
 * *layer is UINT32_MAX unless a layer is named. Any of layer/need/have may be NULL. */
rtnn_status rtnn_config_check(const rtnn_model *model, const rtnn_config *config, uint32_t *layer,
                              uint32_t *need, uint32_t *have);

/* Work bytes rtnn_run() needs with this config: live activations at the worst point of the plan plus the
 * largest kernel scratch (im2col, TREC, sparse weights expanded for TREC). Aligned to 8. 0 if model is NULL
 * or the config is unusable (rtnn_config_check). */
size_t rtnn_work_bytes(const rtnn_model *model, const rtnn_config *config);

/* Runs one inference. `*output` points into `work` (rtnn_output_shape() elements; into `input` only if the
 * output is a flatten/reshape of it) and stays valid until the next run. `input` is only read and must not
 * lie inside `work`. `config` and `observer` may be NULL (all dense, nobody told). RTNN_ERR_INPUT if input_count is
 * not rtnn_input_count(); the rtnn_config_check() status for an unusable config; RTNN_ERR_SCRATCH if
 * work_bytes < rtnn_work_bytes() (checked before anything is written); RTNN_ERR_ARGUMENT for NULLs or a work
 * buffer not aligned for floats. */
rtnn_status rtnn_run(const rtnn_model *model, const rtnn_config *config, const float *input,
                     uint32_t input_count, void *work, size_t work_bytes, const rtnn_observer *observer,
                     const float **output);

/* Runs layers [first, end) only, on a work buffer that already holds what they read from earlier layers (the
 * same plan as rtnn_run, so a run split into ranges gives the same floats as one rtnn_run). The checks and
 * statuses of rtnn_run, and RTNN_ERR_ARGUMENT unless first < end <= layer_count. */
rtnn_status rtnn_run_layers(const rtnn_model *model, const rtnn_config *config, const float *input,
                            uint32_t input_count, void *work, size_t work_bytes, uint32_t first, uint32_t end,
                            const rtnn_observer *observer);

/* Where layer `layer`'s output lives in `work` (or `input`, for a flatten of the graph input); NULL for a bad
 * index. Valid from the layer's end until a later layer overwrites it: after its last reader, or during that
 * reader when the reader runs in place (relu, leaky relu, softmax, add). Graph outputs stay valid. */
const float *rtnn_layer_output(const rtnn_model *model, const void *work, const float *input, uint32_t layer);

/* Elements of layer `layer`'s output (0 for a bad index). */
uint32_t rtnn_layer_output_count(const rtnn_model *model, uint32_t layer);

#endif
