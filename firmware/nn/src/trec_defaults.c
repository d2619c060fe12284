/* Default TREC parameters: see rtinfer_nn/trec_defaults.h. */
#include "rtinfer_nn/trec_defaults.h"

void rtnn_trec_defaults(const rtnn_model *model, rtnn_trec_params trec[RTNN_MAX_LAYERS])
{
    for (uint32_t i = 0; i < RTNN_MAX_LAYERS; i++) {
        trec[i].L = 0;
        trec[i].H = 0;
        if (i >= model->layer_count) {
            continue;
        }
        const rtnn_layer *layer = &model->layers[i];
        if (layer->op != RTNN_OP_CONV || layer->conv.groups != 1u) {
            continue;
        }
        uint32_t h = layer->conv.out_channels < RTNN_TREC_DEFAULT_H ? layer->conv.out_channels : RTNN_TREC_DEFAULT_H;
        trec[i].L = (uint16_t)(layer->conv.kernel_h * layer->conv.kernel_w);
        trec[i].H = (uint8_t)h;
    }
}
