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

#define RTNN_MAX_LAYERS 64u
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
  /* Producers: a layer index, or RTNN_GRAPH_INPUT for the graph input. */
  uint16_t inputs[RTNN_MAX_LAYER_INPUTS];
  rtnn_shape shape; /* output shape */
  /* Op attributes (the ones the op uses). */
  rtnn_conv_geometry conv; /* conv */
  uint32_t kernel[2], stride[2], pads[4]; /* pools */
  uint32_t scale;                          /* upsample */
  float alpha;                             /* leaky relu */
  /* Weighted layers: index of the codec in the container (rtm_layer / rtm_sparse_layer), else UINT32_MAX. */
  uint32_t codec;
} rtnn_layer;

#define RTNN_GRAPH_INPUT 0xFFFFu

typedef struct {
  const rtm_decoder *decoder;
  int sparse; /* weights in the sparse arena (rtm_set_sparse_arena) rather than dense */
  rtnn_shape input_shape;
  uint32_t layer_count;
  uint32_t output_layer; /* the graph's first output */
  uint32_t test_inputs;  /* inputs stored in the header (`testInputs`, CONTAINER.md) */
  rtnn_layer layers[RTNN_MAX_LAYERS];
} rtnn_model;

/* Per-layer execution: mode 0 dense; 1 TREC for the conv layers that have parameters in `trec`. */
typedef struct {
  uint8_t mode;
  /* Indexed by layer; H == 0 means "run this layer densely". NULL: every layer dense. */
  const rtnn_trec_params *trec; /* RTNN_MAX_LAYERS entries when not NULL */
} rtnn_config;

typedef struct {
  void *context;
  void (*layer_start)(void *context, uint32_t layer);
  void (*layer_end)(void *context, uint32_t layer);
  void (*trec_stats)(void *context, uint32_t layer, const rtnn_trec_stats *stats);
} rtnn_observer;

rtnn_status rtnn_model_load(rtnn_model *model, const rtm_decoder *decoder);

uint32_t rtnn_shape_count(const rtnn_shape *shape);

/* Elements of the graph input and of the (first) output. */
uint32_t rtnn_input_count(const rtnn_model *model);
const rtnn_shape *rtnn_output_shape(const rtnn_model *model);

/* Copies stored test input `index` (float32) into `out` (rtnn_input_count() floats); RTNN_ERR_INPUT if
 * index >= model->test_inputs. */
rtnn_status rtnn_test_input(const rtnn_model *model, uint32_t index, float *out);

/* RTNN_OK, or the first layer whose TREC parameters are unusable (*layer) with need/have as
 * rtnn_trec_check() gives them; a TREC entry on a layer that is not a conv is RTNN_ERR_INVALID too. */
rtnn_status rtnn_config_check(const rtnn_model *model, const rtnn_config *config, uint32_t *layer,
                              uint32_t *need, uint32_t *have);

/* Work bytes rtnn_run() needs with this config: live activations at the worst point of the plan plus the
 * largest kernel scratch (im2col, TREC, sparse weights expanded for TREC). Aligned to 8. */
size_t rtnn_work_bytes(const rtnn_model *model, const rtnn_config *config);

/* Runs one inference. `*output` points into `work` (rtnn_output_shape() elements) and stays valid until the
 * next run. `observer` may be NULL. */
rtnn_status rtnn_run(const rtnn_model *model, const rtnn_config *config, const float *input,
                     uint32_t input_count, void *work, size_t work_bytes, const rtnn_observer *observer,
                     const float **output);

#endif
