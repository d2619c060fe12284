/* int8 models in the engine (CONTAINER.md §8): the runner attached after loading, and the decoder's refusal of
 * int8 parameters out of range turned into an ERROR with need/have. */
#include "engine_int8.h"

#include "rtinfer_nn/int8_model.h"

/* What each rtm_quant_what refuses; need/have as rtm_decode.h gives them. */
static const char *const k_messages[] = {
    [RTM_QUANT_NONE] = "int8 parameters refused",
    [RTM_QUANT_SCHEME] = "int8: quantization scheme is not \"int8\" (CONTAINER.md 8.1)",
    [RTM_QUANT_SCALE] = "int8: activation scale out of range (need = bits of the smallest normal float32, have = the scale's bits)",
    [RTM_QUANT_ZERO_POINT] = "int8: activation zero point outside [-128, 127] (need = the bound, have = the zero point)",
    [RTM_QUANT_COUNT] = "int8: a table of the wrong length (need, have: bytes or entries)",
    [RTM_QUANT_WEIGHT_SCALE] = "int8: weight scale out of range (need = bits of the smallest normal float32, have = the scale's bits)",
    [RTM_QUANT_MULTIPLIER] = "int8: multiplier neither 0 nor in [2^30, 2^31) (need = 2^30, have = the multiplier)",
    [RTM_QUANT_SHIFT] = "int8: shift outside [-30, 30] (need = the bound, have = the shift)",
    [RTM_QUANT_MISSING] = "int8: parameters in some codecs but not all (need = codecs, have = codecs with int8)",
    [RTM_QUANT_SOFTMAX] = "int8: a softmax entry out of range (need = 0, have = 0)",
};

void engine_int8_refusal(engine_error_t *err, const rtm_decoder *decoder)
{
    const rtm_quant_error_info info = rtm_quant_error(decoder);
    const unsigned what = (unsigned)info.what < sizeof k_messages / sizeof k_messages[0] ? (unsigned)info.what : 0u;
    /* need/have are unsigned on the wire: a bound or value below zero travels as its magnitude (the message says
     * which bound). */
    const uint64_t need = (uint64_t)(info.need < 0 ? -info.need : info.need);
    const uint64_t have = (uint64_t)(info.have < 0 ? -info.have : info.have);
    engine_error_set(err, RTP_ERR_INVALID, k_messages[what], need, have, 1);
}

rtnn_status engine_int8_attach(rtnn_model *model)
{
    return model->int8 ? rtnn_i8_attach(model, RTNN_I8_TARGET_NATIVE) : RTNN_OK;
}
