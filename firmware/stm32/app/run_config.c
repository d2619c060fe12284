/* Per-layer execution plans: see run_config.h. */
#include "run_config.h"

#include <string.h>

#include "rtinfer_nn/trec_defaults.h"

int run_config_build(run_config_t *out, const rtnn_model *model, uint8_t mode, const rtp_trec_param_t *params,
                     uint8_t count, engine_error_t *err)
{
    memset(out, 0, sizeof *out);
    out->config.mode = mode;
    out->config.trec = mode == RTP_MODE_TREC ? out->trec : NULL;
    if (mode != RTP_MODE_TREC) {
        return 0;
    }
    if (count == 0) {
        rtnn_trec_defaults(model, out->trec);
    }
    for (uint8_t i = 0; i < count; i++) {
        if (params[i].layer >= model->layer_count) {
            engine_error_set(err, RTP_ERR_OUT_OF_RANGE, "TREC parameters name a layer the model does not have",
                             params[i].layer, model->layer_count, 1);
            return -1;
        }
        out->trec[params[i].layer].L = params[i].l;
        out->trec[params[i].layer].H = params[i].h;
    }
    uint32_t need = 0, have = 0;
    if (rtnn_config_check(model, &out->config, NULL, &need, &have) != RTNN_OK) {
        engine_error_set(err, RTP_ERR_INVALID,
                         "TREC cannot run a layer with these parameters (L must divide the row, 1 <= H <= out channels)",
                         need, have, 1);
        return -1;
    }
    return 0;
}
