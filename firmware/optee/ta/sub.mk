# The TA's sources for OP-TEE's build (Makefile). The same lists feed teesim's build in CMakeLists.txt.
global-incdirs-y += include
global-incdirs-y += ../../nn/include
incdirs-y += . ../../nn/src

# The host's TREC reference predicts float results only without fused multiply-add (firmware/nn/CMakeLists.txt).
cflags-y += -ffp-contract=off

srcs-y += ta_entry.c
srcs-y += ta_load.c
srcs-y += ta_run.c
srcs-y += ta_model.c
srcs-y += ta_memory.c
srcs-y += ta_storage.c
srcs-y += ta_crypto.c
srcs-y += sealed_format.c
srcs-y += sealed_stream.c
srcs-y += run_units.c

# firmware/nn, unchanged: the decoder, the runtime and its kernels (SHA-256 from the dev kit's mbedTLS).
srcs-y += ../../nn/src/rtm_decode.c
srcs-y += ../../nn/src/rtm_cbor.c
srcs-y += ../../nn/src/sha256.c
srcs-y += ../../nn/src/trec_defaults.c
srcs-y += ../../nn/src/status.c
srcs-y += ../../nn/src/shapes.c
srcs-y += ../../nn/src/model_load.c
srcs-y += ../../nn/src/bind.c
srcs-y += ../../nn/src/plan.c
srcs-y += ../../nn/src/model.c
srcs-y += ../../nn/src/run.c
srcs-y += ../../nn/src/kernel_conv.c
srcs-y += ../../nn/src/kernel_sparse.c
srcs-y += ../../nn/src/kernel_dense.c
srcs-y += ../../nn/src/kernel_pool.c
srcs-y += ../../nn/src/kernel_activation.c
srcs-y += ../../nn/src/kernel_tensor.c
srcs-y += ../../nn/src/trec_conv.c
srcs-y += ../../nn/src/trec_conv_lanes.c
srcs-y += ../../nn/src/trec_conv_layout.c
