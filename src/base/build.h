/* build.h -- what this binary is: its version and the git commit it was
 * built from (for --version and medstream_build_info). */
#ifndef MS_BUILD_H
#define MS_BUILD_H

/* PROJECT_VERSION from CMakeLists.txt, e.g. "0.4.0". */
const char *ms_build_version(void);

/* The short commit hash, "-dirty" appended when tracked files differed
 * from it at build time; "unknown" when built outside a git checkout. */
const char *ms_build_commit(void);

#endif
