cmake_minimum_required(VERSION 3.18)
# completion.cmake -- write OUT with `BIN completion bash` (the bash
# completion script generated from the binary's commands and key table).
execute_process(COMMAND "${BIN}" completion bash OUTPUT_FILE "${OUT}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${BIN} completion bash failed: ${rc}")
endif()
