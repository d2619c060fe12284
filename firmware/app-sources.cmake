# The portable device app's sources (port.h + protocol/c + firmware/nn only), shared by the native build
# (firmware/CMakeLists.txt) and the MCU builds (firmware/arm), so the list is written once.
set(RTINFER_APP_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/stm32/app/app.c
  ${CMAKE_CURRENT_LIST_DIR}/stm32/app/bootid.c
  ${CMAKE_CURRENT_LIST_DIR}/stm32/app/dispatch.c
  ${CMAKE_CURRENT_LIST_DIR}/stm32/app/hello.c
  ${CMAKE_CURRENT_LIST_DIR}/stm32/app/link.c
  ${CMAKE_CURRENT_LIST_DIR}/stm32/app/ping.c
  ${CMAKE_CURRENT_LIST_DIR}/stm32/app/reply.c
  ${CMAKE_CURRENT_LIST_DIR}/stm32/app/model_store.c
  ${CMAKE_CURRENT_LIST_DIR}/stm32/app/model_transfer.c
  ${CMAKE_CURRENT_LIST_DIR}/stm32/app/engine.c
  ${CMAKE_CURRENT_LIST_DIR}/stm32/app/engine_error.c
  ${CMAKE_CURRENT_LIST_DIR}/stm32/app/engine_int8.c
  ${CMAKE_CURRENT_LIST_DIR}/stm32/app/run_config.c
  ${CMAKE_CURRENT_LIST_DIR}/stm32/app/inference.c
  ${CMAKE_CURRENT_LIST_DIR}/stm32/app/infer.c
  ${CMAKE_CURRENT_LIST_DIR}/stm32/app/infer_pieces.c
  ${CMAKE_CURRENT_LIST_DIR}/stm32/app/trace_ring.c
  ${CMAKE_CURRENT_LIST_DIR}/stm32/app/taskset.c
)
