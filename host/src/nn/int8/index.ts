// int8 inference, the host reference of firmware/nn's CMSIS-NN kernels (firmware/nn/INT8.md).
export * from './fixed-point.js';
export * from './quantize.js';
export * from './kernels.js';
export * from './layout.js';
export * from './trec-int8.js';
