cmake_minimum_required(VERSION 3.18)
# manpage.cmake -- generate a man page from its template (docs/man/*.in):
# @VERSION@ becomes VERSION and a line holding only @KEYS@ becomes the key
# reference from the binary (`check-config --describe --format man`, the
# table docs/configuration.md is generated from). Run by the ms_docs target
# (CMakeLists.txt): cmake -DBIN=... -DIN=... -DOUT=... -DVERSION=... -P.
file(READ "${IN}" text)
if(text MATCHES "\n@KEYS@\n")
  execute_process(COMMAND "${BIN}" check-config --describe --format man
                  OUTPUT_VARIABLE keys RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${BIN} check-config --describe --format man failed: ${rc}")
  endif()
  string(REGEX REPLACE "\n$" "" keys "${keys}")
  string(REPLACE "\n@KEYS@\n" "\n${keys}\n" text "${text}")
endif()
string(REPLACE "@VERSION@" "${VERSION}" text "${text}")
file(WRITE "${OUT}" "${text}")
