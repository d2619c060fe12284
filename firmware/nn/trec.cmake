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
