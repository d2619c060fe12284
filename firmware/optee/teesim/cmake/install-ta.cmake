# Post-build step of teesim_add_ta(): asks the runner for its UUID and links it as <DIR>/<uuid>.ta,
# the name the client looks for (OP-TEE's /lib/optee_armtz/<uuid>.ta).
execute_process(COMMAND ${RUNNER} --uuid OUTPUT_VARIABLE uuid OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT uuid MATCHES "^[0-9a-f]+(-[0-9a-f]+)+$")
  message(FATAL_ERROR "teesim: ${RUNNER} --uuid failed (${rc}): '${uuid}'")
endif()
file(MAKE_DIRECTORY ${DIR})
file(REMOVE ${DIR}/${uuid}.ta)
file(CREATE_LINK ${RUNNER} ${DIR}/${uuid}.ta SYMBOLIC)
