/* Names of rtnn_status values, for logs and the protocol's error answers. */
#include "rtinfer_nn/status.h"

const char *rtnn_status_name(rtnn_status status) {
  switch (status) {
    case RTNN_OK: return "ok";
    case RTNN_ERR_ARGUMENT: return "argument";
    case RTNN_ERR_SCRATCH: return "scratch";
    case RTNN_ERR_INVALID: return "invalid";
    case RTNN_ERR_GRAPH: return "graph";
    case RTNN_ERR_SHAPE: return "shape";
    case RTNN_ERR_INPUT: return "input";
    case RTNN_ERR_LIMIT: return "limit";
    case RTNN_ERR_WEIGHTS: return "weights";
  }
  return "unknown";
}
