/* cw_datum.c -- number formatting for CloudWatch data points (cw_datum.h). */
#include "telemetry/cw_datum.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void ms_cw_format_double(double v, char *out, size_t outlen)
{
    if (!isfinite(v)) {
        snprintf(out, outlen, "0");
        return;
    }
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(out, outlen, "%.0f", v);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, outlen, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            return;
    }
}
