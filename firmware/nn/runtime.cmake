# The inference runtime (rtinfer_nn/model.h, kernels.h): its sources and tests, included by
# firmware/nn/CMakeLists.txt after rtinfer_nn exists.
target_sources(rtinfer_nn PRIVATE
  src/status.c
  src/shapes.c
  src/model_load.c
  src/int8_check.c
  src/bind.c
  src/plan.c
  src/model.c
  src/run.c
  src/run_slice.c
  src/lw_slicing.c
  src/kernel_conv.c
  src/kernel_sparse.c
  src/kernel_dense.c
  src/kernel_pool.c
  src/kernel_activation.c
  src/kernel_tensor.c)
# softmax needs expf; boards get it from their C library, hosts from libm.
find_library(RTNN_LIBM m)
if(RTNN_LIBM)
  target_link_libraries(rtinfer_nn PUBLIC ${RTNN_LIBM})
endif()

if(BUILD_TESTING OR NOT DEFINED BUILD_TESTING)
  # The reference loops must round like the kernels: no fused multiply-add on either side.
  add_executable(test_kernels tests/test_kernels.c)
  target_compile_options(test_kernels PRIVATE -ffp-contract=off)
  target_link_libraries(test_kernels PRIVATE rtinfer_nn)
  foreach(case conv sparse_conv dense pool global_pool activations tensor)
    add_test(NAME nn.kernels.${case} COMMAND test_kernels ${case})
    set_tests_properties(nn.kernels.${case} PROPERTIES TIMEOUT 120)
  endforeach()
endif()

if(BUILD_TESTING OR NOT DEFINED BUILD_TESTING)
  # End to end against the host reference (tests/runtime-vectors, written by make-runtime-vectors.ts).
  add_executable(test_runtime tests/test_runtime.c)
  target_compile_definitions(test_runtime PRIVATE RTNN_RUNTIME_VECTORS_DIR="${CMAKE_CURRENT_SOURCE_DIR}/tests/runtime-vectors")
  target_link_libraries(test_runtime PRIVATE rtinfer_nn)
  foreach(case vectors_dense vectors_sparse sparse_equals_dense liveness work_bytes graph_errors trec_config header_mutations)
    add_test(NAME nn.runtime.${case} COMMAND test_runtime ${case})
    set_tests_properties(nn.runtime.${case} PROPERTIES TIMEOUT 300)
  endforeach()
endif()

if(BUILD_TESTING OR NOT DEFINED BUILD_TESTING)
  # LW slices (rtinfer_nn/lw.h): slice by slice equals the whole layer; the rule's numbers.
  add_executable(test_lw tests/test_lw.c)
  target_compile_options(test_lw PRIVATE -ffp-contract=off)
  target_compile_definitions(test_lw PRIVATE RTNN_RUNTIME_VECTORS_DIR="${CMAKE_CURRENT_SOURCE_DIR}/tests/runtime-vectors")
  target_link_libraries(test_lw PRIVATE rtinfer_nn)
  foreach(case slices_dense slices_sparse ranges_chain rule_by_hand)
    add_test(NAME nn.lw.${case} COMMAND test_lw ${case})
    set_tests_properties(nn.lw.${case} PROPERTIES TIMEOUT 300)
  endforeach()
endif()
if(BUILD_TESTING OR NOT DEFINED BUILD_TESTING)
  # The C LW rule as a filter (host/src/sched/lw-equal-c.test.ts compiles its own copy of the same sources).
  add_executable(rtinfer-lw tests/lw_plan_cli.c)
  target_link_libraries(rtinfer-lw PRIVATE rtinfer_nn)
endif()
