# The TA's sources for OP-TEE's build (Makefile). teesim's build (CMakeLists.txt) lists the same ones.
global-incdirs-y += include
global-incdirs-y += ../../nn/include
incdirs-y += . ../../nn/src

# The host's TREC reference predicts float results only without fused multiply-add (firmware/nn/CMakeLists.txt).
cflags-y += -ffp-contract=off

# Every .c beside this file is the TA, and every .c in firmware/nn/src is rtinfer_nn, unchanged (SHA-256 from the
# dev kit's mbedTLS): the same sources CMakeLists.txt gives teesim, picked up by name so a new file needs no
# edit here. scripts/optee/build-ta.sh fails the build when the two builds' source lists differ.
srcs-y += $(sort $(wildcard *.c))
srcs-y += $(sort $(wildcard ../../nn/src/*.c))

# OP-TEE's TA libraries have no libm and its TA build passes -nostdinc: a <math.h> with the names firmware/nn
# uses, and expf (softmax). Only here; teesim and the boards use their C library's.
incdirs-y += libm
srcs-y += libm/ta_libm.c
