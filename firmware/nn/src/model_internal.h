/* What the runtime's parts (model_load, shapes, bind, plan, run) share inside the library. */
#ifndef RTINFER_NN_MODEL_INTERNAL_H
#define RTINFER_NN_MODEL_INTERNAL_H

#include "rtinfer_nn/kernels.h"
#include "rtinfer_nn/model.h"
#include "rtm_cbor.h"

/* Largest activation, in floats: keeps every byte count and offset inside 32 bits. */
#define RTNN_MAX_ELEMENTS 0x3fffffffu

/* The output shape of `layer` (its op and attributes parsed; a reshape's target already in layer->shape) from
 * its inputs' shapes; fills layer->conv for conv and dense. The one shape inference of the runtime, the
 * rules of host/src/model/shapes.ts. */
rtnn_status rtnn_infer_shape(rtnn_layer *layer, const rtnn_shape *const *inputs);

/* Binds every conv/dense layer to its codec (the header's `codecs` array at `codecs`). */
rtnn_status rtnn_bind_weights(rtnn_model *model, rtm_cbor codecs);

/* Places every activation in the work buffer by liveness; sets layer offsets, scratch and activation_bytes. */
rtnn_status rtnn_plan(rtnn_model *model);

/* The input shape of layer `layer`'s input `k`. */
const rtnn_shape *rtnn_input_shape(const rtnn_model *model, uint32_t layer, uint32_t k);

/* int8 models: reads every tensor's scale and zero point and checks the graph is one the int8 kernels run
 * (CONTAINER.md §8): RTNN_ERR_GRAPH for an op without an int8 kernel, RTNN_ERR_INVALID for parameters they
 * cannot honour (a pass-through layer whose scale differs from its input's, a softmax output not 1/256, -128),
 * RTNN_ERR_WEIGHTS for a dense layer whose inputShape is not its input. */
rtnn_status rtnn_i8_check(rtnn_model *model);

/* A max/avg pool layer's window over its input of shape `in` (the fp32 and int8 runners alike). */
rtnn_pool_geometry rtnn_layer_pool_geometry(const rtnn_layer *layer, const rtnn_shape *in);

/* The TREC parameters config gives layer i; H == 0 when the layer runs densely. */
rtnn_trec_params rtnn_layer_trec(const rtnn_config *config, uint32_t i);

static inline size_t rtnn_align8(size_t bytes) { return (bytes + 7u) & ~(size_t)7u; }

#endif
