/* pipeline.c -- build an engine from a configuration. */
#include "pipeline.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "telemetry/http_admin.h"
#include "kafka/kafka_conf.h"
#include "telemetry/metrics_cloudwatch.h"
#include "sinks/sink_file.h"
#include "sinks/sink_kafka.h"
#include "sinks/sink_s3.h"
#include "sinks/sink_sns.h"
#include "sources/source_dir.h"
#include "sources/source_kafka.h"
#include "sources/source_kinesis.h"
#include "stages/assemble.h"
#include "stages/chunk.h"
#include "stages/comprehend/extract_comprehend.h"
#include "stages/extract_local.h"
#include "stages/fetch_s3.h"
#include "stages/parse_pdf.h"

const char *const ms_pipeline_stage_names[MS_PIPELINE_NSTAGES] = {"fetch", "parse", "chunk",
                                                                  "extract", "assemble"};

int ms_pipeline_stages(const ms_config *cfg, ms_stage **out, char *err, size_t errlen)
{
    ms_parse_opts po = {
        .max_pages = (int)ms_config_int(cfg, "parse.max_pages"),
        .max_bytes = (size_t)ms_config_int(cfg, "parse.max_bytes"),
        .timeout_ms = (int)ms_config_int(cfg, "parse.timeout_ms"),
        .keep_offpage_text = ms_config_bool(cfg, "parse.keep_offpage_text"),
    };
    ms_chunk_opts co;
    ms_chunk_opts_default(&co);
    co.max_bytes = (size_t)ms_config_int(cfg, "chunk.max_bytes");
    co.strip_boilerplate = ms_config_bool(cfg, "chunk.strip_boilerplate");
    co.boilerplate_min_pages = (int)ms_config_int(cfg, "chunk.boilerplate_min_pages");

    char xerr[256] = "";
    bool comprehend = strcmp(ms_config_str(cfg, "extract.engine"), "comprehend") == 0;
    out[0] = ms_fetch_s3_stage_new(cfg);
    out[1] = ms_parse_stage_new(&po);
    out[2] = ms_chunk_stage_new(&co);
    out[3] = comprehend ? ms_extract_comprehend_stage_new(cfg, xerr, sizeof xerr)
                        : ms_extract_local_stage_new();
    out[4] = ms_assemble_stage_new(ms_pipeline_stage_names, MS_PIPELINE_NSTAGES);
    for (int i = 0; i < MS_PIPELINE_NSTAGES; i++) {
        if (!out[i]) {
            if (i == MS_PIPELINE_EXTRACT && xerr[0])
                snprintf(err, errlen, "%s", xerr);
            else
                snprintf(err, errlen, "cannot create the pipeline stage '%s'",
                         ms_pipeline_stage_names[i]);
            for (int j = 0; j < MS_PIPELINE_NSTAGES; j++)
                if (out[j])
                    out[j]->ops->destroy(out[j]);
            return -1;
        }
    }
    return 0;
}

static int add_stages(ms_engine *e, const ms_config *cfg, char *err, size_t errlen)
{
    ms_stage *stages[MS_PIPELINE_NSTAGES];
    if (ms_pipeline_stages(cfg, stages, err, errlen) != 0)
        return -1;
    for (int i = 0; i < MS_PIPELINE_NSTAGES; i++)
        ms_engine_add_stage(e, stages[i]);
    return 0;
}

static ms_source *make_source(const ms_config *cfg, char *err, size_t errlen)
{
    const char *type = ms_config_str(cfg, "source.type");
    if (strcmp(type, "dir") == 0)
        return ms_source_dir_new(cfg, err, errlen);
    if (strcmp(type, "kafka") == 0)
        return ms_source_kafka_new(cfg, err, errlen);
    if (strcmp(type, "kinesis") == 0)
        return ms_source_kinesis_new(cfg, err, errlen);
    snprintf(err, errlen, "source.type '%s' is not supported", type);
    return NULL;
}

/* ---- sinks: sink.type is a list; dlq.type routes dead letters ---------- */

#define MAX_SINK_TYPES 8
static const char *const sink_types[] = {"file", "s3", "sns", "kafka", NULL};

/* Split sink.type into known, distinct names. 0, or -1 with err set. */
static int sink_list(const ms_config *cfg, char names[][16], int *n, char *err, size_t errlen)
{
    char copy[256], *save = NULL;
    snprintf(copy, sizeof copy, "%s", ms_config_str(cfg, "sink.type"));
    *n = 0;
    for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        bool known = false, dup = false;
        for (int i = 0; sink_types[i]; i++)
            known |= strcmp(t, sink_types[i]) == 0;
        for (int i = 0; i < *n; i++)
            dup |= strcmp(t, names[i]) == 0;
        if (!known) {
            snprintf(err, errlen, "sink.type: '%s' is not one of file, s3, sns, kafka", t);
            return -1;
        }
        if (!dup && *n < MAX_SINK_TYPES)
            snprintf(names[(*n)++], 16, "%s", t);
    }
    if (*n == 0) {
        snprintf(err, errlen, "sink.type: no sink given");
        return -1;
    }
    const char *dlq = ms_config_str(cfg, "dlq.type");
    bool ok = strcmp(dlq, "same") == 0;
    for (int i = 0; sink_types[i]; i++)
        ok |= strcmp(dlq, sink_types[i]) == 0;
    if (!ok) {
        snprintf(err, errlen, "dlq.type: '%s' is not same, file, s3, sns or kafka", dlq);
        return -1;
    }
    return 0;
}

static int sink_check(const char *type, const ms_config *cfg, char *err, size_t errlen)
{
    if (strcmp(type, "s3") == 0)
        return ms_sink_s3_check(cfg, err, errlen);
    if (strcmp(type, "sns") == 0)
        return ms_sink_sns_check(cfg, err, errlen);
    if (strcmp(type, "kafka") == 0)
        return ms_sink_kafka_check(cfg, err, errlen);
    return 0;
}

static ms_sink *make_sink(const char *type, const ms_config *cfg, char *err, size_t errlen)
{
    ms_sink *s = NULL;
    if (strcmp(type, "file") == 0) {
        s = ms_sink_file_new(ms_config_str(cfg, "sink.file.dir"),
                             ms_config_bool(cfg, "sink.file.fsync"));
        if (!s)
            snprintf(err, errlen, "cannot create the file sink");
    } else if (strcmp(type, "s3") == 0) {
        s = ms_sink_s3_new(cfg, err, errlen);
    } else if (strcmp(type, "sns") == 0) {
        s = ms_sink_sns_new(cfg, err, errlen);
    } else if (strcmp(type, "kafka") == 0) {
        s = ms_sink_kafka_new(cfg, err, errlen);
    }
    return s;
}

static int add_one_sink(ms_engine *e, const char *type, bool summaries, bool dead_letters,
                        const ms_config *cfg, char *err, size_t errlen)
{
    ms_sink *s = make_sink(type, cfg, err, errlen);
    if (!s)
        return -1;
    s->summaries = summaries;
    s->dead_letters = dead_letters;
    if (ms_engine_add_sink(e, s) != 0) {
        s->ops->destroy(s);
        snprintf(err, errlen, "too many sinks");
        return -1;
    }
    return 0;
}

static int add_sinks(ms_engine *e, const ms_config *cfg, char *err, size_t errlen)
{
    char names[MAX_SINK_TYPES][16];
    int n;
    if (sink_list(cfg, names, &n, err, errlen) != 0)
        return -1;
    const char *dlq = ms_config_str(cfg, "dlq.type");
    bool same = strcmp(dlq, "same") == 0, dlq_listed = same;
    for (int i = 0; i < n; i++) {
        bool dl = same || strcmp(dlq, names[i]) == 0;
        dlq_listed |= dl;
        if (add_one_sink(e, names[i], true, dl, cfg, err, errlen) != 0)
            return -1;
    }
    /* A dead-letter-only sink of a type that takes no summaries. */
    if (!dlq_listed && add_one_sink(e, dlq, false, true, cfg, err, errlen) != 0)
        return -1;
    return 0;
}

ms_engine *ms_pipeline_build(const ms_config *cfg, char *err, size_t errlen)
{
    ms_engine *e = ms_engine_new(cfg, err, errlen);
    if (!e)
        return NULL;
    if (add_stages(e, cfg, err, errlen) != 0) {
        ms_engine_free(e);
        return NULL;
    }
    ms_source *src = make_source(cfg, err, errlen);
    if (!src) {
        ms_engine_free(e);
        return NULL;
    }
    ms_engine_set_source(e, src);
    if (ms_http_admin_attach(e, cfg, err, errlen) != 0 ||
        ms_metrics_cloudwatch_attach(e, cfg, err, errlen) != 0) {
        ms_engine_free(e);
        return NULL;
    }
    if (add_sinks(e, cfg, err, errlen) != 0) {
        ms_engine_free(e);
        return NULL;
    }
    return e;
}

int ms_pipeline_check(const ms_config *cfg, char *err, size_t errlen)
{
    if (strcmp(ms_config_str(cfg, "extract.engine"), "comprehend") == 0 &&
        ms_extract_comprehend_check(cfg, err, errlen) != 0)
        return -1;
    char names[MAX_SINK_TYPES][16];
    int n;
    if (sink_list(cfg, names, &n, err, errlen) != 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (sink_check(names[i], cfg, err, errlen) != 0)
            return -1;
    const char *dlq = ms_config_str(cfg, "dlq.type");
    if (strcmp(dlq, "same") != 0 && sink_check(dlq, cfg, err, errlen) != 0)
        return -1;
    if (strcmp(ms_config_str(cfg, "source.type"), "kafka") == 0)
        return ms_kafka_conf_check(cfg, err, errlen);
    return 0;
}
