# Running int8 models (rtinfer_nn/int8_model.h): the runner over the int8 kernels, attached to a loaded model.
# Outside src/ for the same reason as int8/ (int8.cmake): src/*.c builds without CMSIS-NN.
add_library(rtinfer_nn_int8_model STATIC int8_model/int8_run.c)
target_include_directories(rtinfer_nn_int8_model PRIVATE src)
target_link_libraries(rtinfer_nn_int8_model PUBLIC rtinfer_nn_int8)
target_compile_options(rtinfer_nn_int8_model PRIVATE -ffp-contract=off)
