# The int8 kernels (firmware/nn/INT8.md): CMSIS-NN v7.0.0 (cmake/cmsis-nn.cmake) and rtinfer's wrappers over it,
# as the library rtinfer_nn_int8, with their tests. Included by firmware/nn/CMakeLists.txt after rtinfer_nn.
# The wrappers live in int8/, not src/: src/*.c is compiled as-is by the OP-TEE TA build and by host tests that
# have no CMSIS-NN.
include(${CMAKE_CURRENT_LIST_DIR}/../../cmake/cmsis-nn.cmake)

add_library(rtinfer_nn_int8 STATIC int8/int8_conv.c int8/int8_pool.c int8/int8_elementwise.c int8/trec_int8.c)
target_include_directories(rtinfer_nn_int8 PRIVATE int8)
target_link_libraries(rtinfer_nn_int8 PUBLIC rtinfer_nn cmsis_nn)

if(BUILD_TESTING OR NOT DEFINED BUILD_TESTING)
  # Every kernel against a plain C loop in exact integer arithmetic, seeded random shapes and values.
  add_executable(test_int8 tests/test_int8.c)
  target_link_libraries(test_int8 PRIVATE rtinfer_nn_int8)
  foreach(case requantize conv grouped_conv depthwise fully_connected pools add concat softmax scratch_sizes refusals)
    add_test(NAME nn.int8.${case} COMMAND test_int8 ${case})
    set_tests_properties(nn.int8.${case} PROPERTIES TIMEOUT 120)
  endforeach()
  # One layer from a case file (host/src/nn/int8/int8-c.test.ts: the host reference against these kernels).
  add_executable(rtnn-int8-layer tests/int8_layer_cli.c)
  target_link_libraries(rtnn-int8-layer PRIVATE rtinfer_nn_int8)
  # int8 TREC (TREC_INT8.md) against its definition as plain loops, and one layer from a case file
  # (host/src/nn/int8/trec-int8-c.test.ts; bench/trec-int8.ts runs the same driver on the boards' cores).
  add_executable(test_trec_int8 tests/test_trec_int8.c)
  target_link_libraries(test_trec_int8 PRIVATE rtinfer_nn_int8)
  foreach(case random_layers all_distinct_is_dense single_cluster refusals)
    add_test(NAME nn.trec_int8.${case} COMMAND test_trec_int8 ${case})
    set_tests_properties(nn.trec_int8.${case} PROPERTIES TIMEOUT 120)
  endforeach()
  add_executable(rtnn-trec-int8 tests/trec_int8_cli.c)
  target_link_libraries(rtnn-trec-int8 PRIVATE rtinfer_nn_int8)
endif()

if(BUILD_TESTING OR NOT DEFINED BUILD_TESTING)
  # The wrappers run on the boards: no OS or register headers (as nn.sources_portable checks src/).
  add_test(NAME nn.int8.sources_portable COMMAND sh -c "! grep -nE '#include <(unistd|pthread|sys/|fcntl|stdio|stdlib)|#include \"stm32' ${CMAKE_CURRENT_SOURCE_DIR}/int8/*.c ${CMAKE_CURRENT_SOURCE_DIR}/int8/*.h ${CMAKE_CURRENT_SOURCE_DIR}/include/rtinfer_nn/int8_kernels.h")
endif()
