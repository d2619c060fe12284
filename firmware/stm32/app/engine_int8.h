/* int8 models in the engine: see engine_int8.c. */
#ifndef RTINFER_APP_ENGINE_INT8_H
#define RTINFER_APP_ENGINE_INT8_H

#include "engine.h"
#include "rtinfer_nn/rtm_decode.h"

/* After the decoder refused with RTM_ERR_QUANT: ERROR(invalid) naming what, with need/have. */
void engine_int8_refusal(engine_error_t *err, const rtm_decoder *decoder);

/* Gives a loaded int8 model its runner (this build's int8 kernels); RTNN_OK for an fp32 model. */
rtnn_status engine_int8_attach(rtnn_model *model);

#endif
