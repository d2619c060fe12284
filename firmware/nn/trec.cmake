# TREC (firmware/nn/TREC.md): its sources and tests, included by firmware/nn/CMakeLists.txt after rtinfer_nn exists.
target_sources(rtinfer_nn PRIVATE src/trec_conv.c src/trec_conv_layout.c src/trec_conv_lanes.c)

if(BUILD_TESTING OR NOT DEFINED BUILD_TESTING)
  add_executable(test_trec tests/test_trec.c)
  # The brute-force reference must round like the kernel: no fused multiply-add.
  target_compile_options(test_trec PRIVATE -ffp-contract=off)
  target_link_libraries(test_trec PRIVATE rtinfer_nn m)
  foreach(case h1 h16 single_cluster all_distinct whole_row stride_padding scratch_too_small check)
    add_test(NAME nn.trec.${case} COMMAND test_trec ${case})
    set_tests_properties(nn.trec.${case} PROPERTIES TIMEOUT 120)
  endforeach()
endif()

# bench:trec's driver (scripts/bench-trec.sh builds it in a release tree). Needs valgrind's callgrind.h.
find_path(RTNN_VALGRIND_INCLUDE valgrind/callgrind.h)
if(RTNN_VALGRIND_INCLUDE)
  add_executable(bench_trec bench/bench_trec.c)
  target_include_directories(bench_trec PRIVATE ${RTNN_VALGRIND_INCLUDE})
  target_link_libraries(bench_trec PRIVATE rtinfer_nn m)
endif()
