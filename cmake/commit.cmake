# commit.cmake -- writes OUT with `#define MS_GIT_COMMIT "<short hash>[-dirty]"`
# (or MS_GIT_COMMIT / "unknown" outside a git checkout), rewriting it only when it changed
# so that an unchanged commit does not rebuild anything. Run at every build
# by the ms_commit target (CMakeLists.txt): cmake -DSRC=... -DOUT=... -P.
execute_process(COMMAND git -C "${SRC}" rev-parse --short=12 HEAD
                OUTPUT_VARIABLE commit ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT commit AND COMMIT)
  set(commit "${COMMIT}")   # -DMS_GIT_COMMIT=...: a tree without .git
elseif(NOT commit)
  set(commit "unknown")
else()
  execute_process(COMMAND git -C "${SRC}" status --porcelain --untracked-files=no
                  OUTPUT_VARIABLE dirty ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(dirty)
    set(commit "${commit}-dirty")
  endif()
endif()
set(text "#define MS_GIT_COMMIT \"${commit}\"\n")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT "${old}" STREQUAL "${text}")
  file(WRITE "${OUT}" "${text}")
endif()
