# Runs COMMAND; passes when it exits with EXPECTED_CODE and its output contains EXPECTED_TEXT.
# A failure (non-zero code) must be reported in exactly one line on stderr.
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code STREQUAL "${EXPECTED_CODE}")
  message(FATAL_ERROR "exit code ${code}, expected ${EXPECTED_CODE}\nstdout: ${out}\nstderr: ${err}")
endif()
string(FIND "${out}${err}" "${EXPECTED_TEXT}" position)
if(position EQUAL -1)
  message(FATAL_ERROR "output lacks '${EXPECTED_TEXT}'\nstdout: ${out}\nstderr: ${err}")
endif()
if(NOT code EQUAL 0)
  # Progress lines (printed on a timer: a slow run, e.g. under ASan, has some) are not part
  # of the error message.
  string(REGEX REPLACE "swathgrid: progress:[^\n]*\n" "" without_progress "${err}")
  string(STRIP "${without_progress}" stripped)
  string(FIND "${stripped}" "\n" newline)
  if(NOT newline EQUAL -1)
    message(FATAL_ERROR "error message is not one line:\n${err}")
  endif()
endif()
