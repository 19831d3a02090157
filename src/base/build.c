/* build.c -- see build.h. ms_commit.h is generated at every build by
 * cmake/commit.cmake (rewritten only when the commit changes). */
#include "base/build.h"

#include "ms_commit.h"

const char *ms_build_version(void) { return MS_VERSION; }

const char *ms_build_commit(void) { return MS_GIT_COMMIT; }
