/* pipeline.c -- build an engine from a configuration. */
#include "pipeline.h"

#include <stdio.h>
#include <string.h>

#include "io/kafka_conf.h"
#include "io/sink_file.h"
#include "io/source_dir.h"
#include "io/source_kafka.h"
#include "stages/assemble.h"
#include "stages/chunk.h"
#include "stages/extract_comprehend.h"
#include "stages/extract_local.h"
#include "stages/parse_pdf.h"

const char *const ms_pipeline_stage_names[MS_PIPELINE_NSTAGES] = {"parse", "chunk", "extract",
                                                                  "assemble"};

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
    out[0] = ms_parse_stage_new(&po);
    out[1] = ms_chunk_stage_new(&co);
    out[2] = comprehend ? ms_extract_comprehend_stage_new(cfg, xerr, sizeof xerr)
                        : ms_extract_local_stage_new();
    out[3] = ms_assemble_stage_new(ms_pipeline_stage_names, MS_PIPELINE_NSTAGES);
    for (int i = 0; i < MS_PIPELINE_NSTAGES; i++) {
        if (!out[i]) {
            if (i == 2 && xerr[0])
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
    snprintf(err, errlen, "source.type '%s' is not supported", type);
    return NULL;
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
    const char *sink_type = ms_config_str(cfg, "sink.type");
    if (strcmp(sink_type, "file") == 0) {
        ms_sink *s = ms_sink_file_new(ms_config_str(cfg, "sink.file.dir"),
                                      ms_config_bool(cfg, "sink.file.fsync"));
        if (!s || ms_engine_add_sink(e, s) != 0) {
            snprintf(err, errlen, "cannot create the file sink");
            ms_engine_free(e);
            return NULL;
        }
    } else {
        snprintf(err, errlen, "sink.type '%s' is not supported", sink_type);
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
    if (strcmp(ms_config_str(cfg, "source.type"), "kafka") == 0)
        return ms_kafka_conf_check(cfg, err, errlen);
    return 0;
}
