# The inference runtime (rtinfer_nn/model.h, kernels.h): its sources and tests, included by
# firmware/nn/CMakeLists.txt after rtinfer_nn exists.
