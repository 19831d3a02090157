/* service.h -- the interface of an auxiliary service on the engine's loop
 * (the admin HTTP endpoint, metric exporters): something that runs beside
 * the flow of reports instead of in it.
 *
 * start() runs on the loop thread once the engine's handles exist, before
 * the source starts; non-zero means "not started" (the service logs why)
 * and the engine runs without it -- unless the service set `required`,
 * then the engine does not start (ms_engine_run returns 1). stop() runs when the engine closes its
 * handles and must close every handle the service opened (the loop runs
 * until they are closed). destroy() frees the service and its state; it
 * runs in ms_engine_free, after the loop has stopped. start and stop may be
 * NULL; destroy may not. */
#ifndef MS_SERVICE_H
#define MS_SERVICE_H

#include <stdbool.h>

typedef struct ms_engine ms_engine;
typedef struct ms_service ms_service;
typedef struct ms_config ms_config;

typedef struct ms_service_ops {
    const char *name;   /* log and metrics label: "admin", "cloudwatch" */
    int (*start)(ms_service *svc, ms_engine *e, void *uv_loop);
    void (*stop)(ms_service *svc);
    /* SIGHUP: re-read the service's MS_CFG_LIVE keys from cfg (loop
     * thread). May be NULL. */
    void (*reload)(ms_service *svc, const ms_config *cfg);
    void (*destroy)(ms_service *svc);
} ms_service_ops;

struct ms_service {
    const ms_service_ops *ops;
    void *state;   /* the service's own data */
    bool required; /* a failed start stops the engine (http.required) */
};

#endif
