/* Status codes shared by the rtinfer_nn runtime, its kernels and TREC. */
#ifndef RTINFER_NN_STATUS_H
#define RTINFER_NN_STATUS_H

typedef enum {
  RTNN_OK = 0,
  RTNN_ERR_ARGUMENT = -1, /* NULL, or misuse */
  RTNN_ERR_SCRATCH = -2,  /* work/scratch buffer smaller than its *_bytes() companion says */
  RTNN_ERR_INVALID = -3,  /* well-typed but unusable parameters (TREC L does not divide the row, H > out channels) */
  RTNN_ERR_GRAPH = -4,    /* the container's graph is malformed or uses an op this runtime lacks */
  RTNN_ERR_SHAPE = -5,    /* shapes inside the graph do not agree (concat/add inputs, a window larger than its
                             input, channels vs groups, a reshape that changes the count) */
  RTNN_ERR_INPUT = -6,    /* input of the wrong size, or a test input index out of range */
  RTNN_ERR_LIMIT = -7,    /* more layers/inputs/dims than the static limits (RTNN_MAX_*) */
  RTNN_ERR_WEIGHTS = -8,  /* a weighted layer has no codec, or its codec's shape, count or bias disagrees with
                             the graph, or a codec names no conv/dense layer */
} rtnn_status;

const char *rtnn_status_name(rtnn_status status);

#endif
