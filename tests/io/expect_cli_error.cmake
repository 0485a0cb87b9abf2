# Runs `trkx ARGS...` and checks that it fails with exit code 1 and a single
# line on stderr matching EXPECT (a regular expression).
#   cmake -DTRKX=... -DARGS="inspect|PREFIX|--flag" -DEXPECT=regex -P expect_cli_error.cmake
string(REPLACE "|" ";" ARGS "${ARGS}")
execute_process(COMMAND ${TRKX} ${ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "expected exit code 1, got '${rc}'\nstdout: ${out}\nstderr: ${err}")
endif()
string(STRIP "${err}" err_stripped)
if(NOT err_stripped MATCHES "${EXPECT}")
  message(FATAL_ERROR "stderr does not match '${EXPECT}':\n${err}")
endif()
string(FIND "${err_stripped}" "\n" newline)
if(NOT newline EQUAL -1)
  message(FATAL_ERROR "expected a one-line error message, got:\n${err}")
endif()
message(STATUS "ok: ${err_stripped}")
