# Runs `apsim ARGS` and checks its exit status and that its stderr contains EXPECT.
# Inputs: APSIM, ARGS (a ;-list), STATUS, EXPECT.
execute_process(COMMAND ${APSIM} ${ARGS} WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc STREQUAL STATUS)
  message(FATAL_ERROR "apsim ${ARGS}: exit status ${rc}, expected ${STATUS}\nstdout: ${out}\nstderr: ${err}")
endif()
string(FIND "${err}" "${EXPECT}" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "apsim ${ARGS}: stderr does not contain '${EXPECT}':\n${err}")
endif()
