# TREC (firmware/nn/TREC.md): its sources and tests, included by firmware/nn/CMakeLists.txt after rtinfer_nn exists.
