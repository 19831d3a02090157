/* http_admin.h -- the admin HTTP endpoint on http.listen (default
 * 127.0.0.1:9464; "" or "off" = none): /metrics (Prometheus text format),
 * /healthz (the loop answers), /readyz (the source is running, the
 * pipeline is not stalled, the error rate is under
 * http.ready_max_error_rate) and /stats (JSON, what `medstream top` shows).
 *
 * The registry's service "admin" (ms_service_admin_plugin) on the engine's loop; a port that cannot be
 * bound is logged and the pipeline runs without the endpoint. */
#ifndef MS_HTTP_ADMIN_H
#define MS_HTTP_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/config.h"
#include "core/engine.h"

/* Split "host:port" / "[v6]:port" / ":port" (host defaults to 127.0.0.1).
 * -1 when malformed. */
int ms_http_admin_parse_listen(const char *s, char *host, size_t hostlen, int *port);

/* What /readyz decides from (exposed for tests). */
typedef struct ms_ready_input {
    bool running;            /* the source started and no shutdown began */
    int64_t in_flight;
    uint64_t done_now;       /* delivered + dead letters, now */
    uint64_t last_progress_ms, now_ms;
    uint64_t window_done, window_errors; /* over the error-rate window */
    double max_error_rate;
    int64_t stall_ms;
} ms_ready_input;

/* true when ready; otherwise why is set to a short reason. */
bool ms_http_admin_ready(const ms_ready_input *in, const char **why);

#endif
