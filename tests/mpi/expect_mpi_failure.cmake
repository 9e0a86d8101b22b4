# Runs COMMAND (mpiexec ... swathgrid ...); passes when it exits with EXPECTED_CODE and stderr
# holds exactly one "swathgrid: error: " line (mpiexec adds its own notice) containing
# EXPECTED_TEXT.
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code STREQUAL "${EXPECTED_CODE}")
  message(FATAL_ERROR "exit code ${code}, expected ${EXPECTED_CODE}\nstdout: ${out}\nstderr: ${err}")
endif()
string(REGEX MATCHALL "swathgrid: error: [^\n]*" errors "${err}")
list(LENGTH errors count)
if(NOT count EQUAL 1)
  message(FATAL_ERROR "expected one 'swathgrid: error:' line, got ${count}:\n${err}")
endif()
string(FIND "${errors}" "${EXPECTED_TEXT}" position)
if(position EQUAL -1)
  message(FATAL_ERROR "the error line lacks '${EXPECTED_TEXT}':\n${errors}")
endif()
