# CMSIS-NN v7.0.0 as the static library `cmsis_nn` (firmware/nn/INT8.md), for whichever toolchain the
# including build uses: the host's gcc/clang (pure C paths: no __ARM_FEATURE_DSP, so ARM_MATH_DSP is off)
# or arm-none-eabi-gcc for a Cortex-M4/M7 board (-mcpu sets __ARM_FEATURE_DSP: the DSP paths).
#
# The sources come from CMSIS_NN_SOURCE_DIR when given, otherwise from scripts/fetch-cmsis-nn.sh (the vendor
# mirror or the pinned tag, commit checked, cached outside the checkout). 7.0.0 needs no CMSIS-Core: its
# Include/Internal/arm_nn_compiler.h takes the intrinsics from the compiler's ACLE header (arm_acle.h, part of
# Debian's gcc-arm-none-eabi) and defines the __STATIC_FORCEINLINE-style macros itself.
if(TARGET cmsis_nn)
  return()
endif()

get_filename_component(_cmsis_nn_root ${CMAKE_CURRENT_LIST_DIR}/.. ABSOLUTE)
set(CMSIS_NN_SOURCE_DIR "" CACHE PATH "CMSIS-NN v7.0.0 source tree (empty: scripts/fetch-cmsis-nn.sh provides one)")
if(NOT CMSIS_NN_SOURCE_DIR)
  execute_process(
    COMMAND bash ${_cmsis_nn_root}/scripts/fetch-cmsis-nn.sh
    OUTPUT_VARIABLE _cmsis_nn_dir
    OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE _cmsis_nn_result)
  if(NOT _cmsis_nn_result EQUAL 0)
    message(FATAL_ERROR "scripts/fetch-cmsis-nn.sh failed (${_cmsis_nn_result}): set RTINFER_VENDOR_DIR to a mirror "
                        "holding CMSIS-NN-7.0.0.tar.xz, or CMSIS_NN_SOURCE_DIR to a v7.0.0 tree")
  endif()
  set(CMSIS_NN_SOURCE_DIR ${_cmsis_nn_dir} CACHE PATH "CMSIS-NN v7.0.0 source tree" FORCE)
endif()
if(NOT EXISTS ${CMSIS_NN_SOURCE_DIR}/Include/arm_nnfunctions.h)
  message(FATAL_ERROR "CMSIS_NN_SOURCE_DIR=${CMSIS_NN_SOURCE_DIR} has no Include/arm_nnfunctions.h")
endif()

# Every kernel family: a static library only links the objects something calls, and CMSIS-NN's wrappers call
# across families (the conv wrapper into NNSupportFunctions, …), which its own CMake does not track either.
file(GLOB _cmsis_nn_sources CONFIGURE_DEPENDS ${CMSIS_NN_SOURCE_DIR}/Source/*/*.c)
add_library(cmsis_nn STATIC ${_cmsis_nn_sources})
# SYSTEM: its headers must not trip our -Wextra -Werror in the files that include them.
target_include_directories(cmsis_nn SYSTEM PUBLIC ${CMSIS_NN_SOURCE_DIR}/Include)
# Upstream code, upstream warnings: ours are not its contract (-Werror stays on for everything of ours).
target_compile_options(cmsis_nn PRIVATE -w)
# Its reference C relies on what every compiler here does but C leaves undefined: shifting negative values
# left (arm_nn_exp_on_negative_values) and 1 << 31 (the softmax). UBSan would stop at those in the sanitizer
# build; every other check (addresses, bounds, overflow elsewhere) stays on.
if(RTINFER_SANITIZE)
  target_compile_options(cmsis_nn PRIVATE -fno-sanitize=shift)
endif()
