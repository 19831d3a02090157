/* errbuf.h -- the "char *err, size_t errlen" convention: functions that
 * fail write a one-line reason into the caller's buffer. */
#ifndef MS_ERRBUF_H
#define MS_ERRBUF_H

#include <stddef.h>

/* printf into err (truncated to errlen); a NULL or empty buffer is fine. */
void ms_errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
