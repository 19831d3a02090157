/* assemble.c -- renders a report's summary JSON (medstream.summary/v1).
 *
 * The summary carries the source position, pages, characters, the chunks
 * (document byte ranges and sizes), the boilerplate left out and the time
 * spent per stage; when an extract stage ran, also the entities in
 * document coordinates (Comprehend Medical's shape), the grouped findings
 * and the plain-language text for the patient (findings.h). The schema is
 * docs/summary.schema.json.
 *
 * Rendering also fills doc->summary (doc.h) with the fields the sinks and
 * commands read (the patient text, the findings' counts and names), from
 * the same data, so nobody parses the JSON back. */
#include "stages/assemble.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "stages/findings.h"
#include "base/errbuf.h"
#include "base/json_out.h"
#include "core/plugin.h"

static json_t *chunk_json(const ms_chunk *c, size_t index)
{
    json_t *o = json_object();
    size_t begin = c->nsegs ? c->segs[0].doc_off : 0;
    size_t end = c->nsegs ? c->segs[c->nsegs - 1].doc_off + c->segs[c->nsegs - 1].len : 0;
    json_object_set_new(o, "index", json_integer((json_int_t)index));
    json_object_set_new(o, "doc_begin", json_integer((json_int_t)begin));
    json_object_set_new(o, "doc_end", json_integer((json_int_t)end));
    json_object_set_new(o, "bytes", json_integer((json_int_t)c->len));
    json_object_set_new(o, "characters", json_integer((json_int_t)c->chars));
    json_object_set_new(o, "segments", json_integer((json_int_t)c->nsegs));
    return o;
}

/* Which engine extracted, and what it cost: per operation and in total
 * (requests and characters the service answered and billed, its billed
 * units, and requests answered from the cache, which bill nothing). The
 * local engine calls no service: no operations, zeros. */
static json_t *extraction_json(const ms_doc *doc)
{
    json_t *x = json_object();
    json_t *ops = json_object();
    uint64_t req = 0, chars = 0, units = 0, hits = 0;
    for (int i = 0; i < MS_DOC_MAX_BILLED_OPS; i++) {
        const ms_doc_billing *b = &doc->billing[i];
        if (!b->op)
            continue;
        json_t *j = json_object();
        json_object_set_new(j, "requests", json_integer((json_int_t)b->requests));
        json_object_set_new(j, "characters", json_integer((json_int_t)b->characters));
        json_object_set_new(j, "billed_units", json_integer((json_int_t)b->billed_units));
        json_object_set_new(j, "cache_hits", json_integer((json_int_t)b->cache_hits));
        json_object_set_new(ops, b->op, j);
        req += b->requests;
        chars += b->characters;
        units += b->billed_units;
        hits += b->cache_hits;
    }
    json_object_set_new(x, "engine", json_string(doc->extract_engine ? doc->extract_engine : ""));
    json_object_set_new(x, "operations", ops);
    json_object_set_new(x, "requests", json_integer((json_int_t)req));
    json_object_set_new(x, "characters", json_integer((json_int_t)chars));
    json_object_set_new(x, "billed_units", json_integer((json_int_t)units));
    json_object_set_new(x, "cache_hits", json_integer((json_int_t)hits));
    return x;
}

/* The entities (most of a summary's bytes) are written straight into the
 * text where the tree holds their slot (json_out.h): no tree of thousands
 * of small objects to build and free, the same bytes. */
static int write_entities(ms_jw *w, void *ud)
{
    return ms_findings_entities_write(ud, w);
}

int ms_assemble_render(ms_doc *doc, const char *const *names, int n)
{
    ms_summary sum = {.rendered = true};
    ms_findings f = {0};
    json_t *slot = NULL;
    json_t *o = json_object();
    json_object_set_new(o, "schema", json_string("medstream.summary/v1"));
    json_object_set_new(o, "id", json_string(doc->id ? doc->id : ""));
    json_object_set_new(o, "source", ms_doc_source_json(doc));
    json_object_set_new(o, "input_bytes", json_integer((json_int_t)doc->input_size));
    json_object_set_new(o, "pages", json_integer(doc->npages));
    json_object_set_new(o, "pages_failed", json_integer(doc->pages_failed));
    json_object_set_new(o, "characters", json_integer((json_int_t)doc->text_chars));
    json_object_set_new(o, "text_bytes", json_integer((json_int_t)doc->text_len));
    json_t *bp = json_object();
    json_object_set_new(bp, "characters", json_integer((json_int_t)doc->boilerplate_chars));
    json_object_set_new(bp, "bytes", json_integer((json_int_t)doc->boilerplate_bytes));
    json_object_set_new(o, "boilerplate_removed", bp);
    json_t *chunks = json_array();
    for (size_t i = 0; i < doc->nchunks; i++)
        json_array_append_new(chunks, chunk_json(&doc->chunks[i], i));
    json_object_set_new(o, "chunks", chunks);
    if (doc->extract) {
        if (ms_findings_build(doc, &f) != 0 || ms_findings_summarize(&f, &sum) != 0) {
            ms_findings_free(&f);
            ms_doc_summary_clear(&sum);
            json_decref(o);
            return -1;
        }
        sum.has_findings = true;
        json_object_set_new(o, "extraction", extraction_json(doc));
        slot = json_object();
        if (!slot || json_object_set_new(o, "entities", slot) != 0) {
            ms_findings_free(&f);
            ms_doc_summary_clear(&sum);
            json_decref(o);
            return -1;
        }
        json_object_set_new(o, "findings", ms_findings_json(&f));
        json_object_set_new(o, "report_type", json_string(ms_findings_report_type(&f)));
        char *text = ms_findings_patient_text(&f);
        json_t *pt = text ? json_string(text) : json_null();
        /* NULL (text not UTF-8) leaves the key out, null keeps it: either
         * way the summary has no text, and neither has the typed field. */
        json_object_set_new(o, "patient_summary", pt);
        if (json_is_string(pt)) {
            sum.patient_text = text;
            sum.patient_text_len = strlen(text);
        } else {
            free(text);
        }
    }
    json_t *t = json_object();
    for (int i = 0; i < n && i < MS_MAX_STAGES; i++)
        if (doc->stage > i && (doc->s3_uri || strcmp(names[i], "fetch") != 0))
            json_object_set_new(t, names[i], json_real(doc->stage_ms[i])); /* fetch: S3 only */
    json_object_set_new(o, "timings_ms", t);
    /* = json_dumps(INDENT(2) | PRESERVE_ORDER | REAL_PRECISION(6)) */
    size_t slen = 0;
    char *s = ms_json_dumps_indent2_fill(o, slot, write_entities, &f, &slen);
    json_decref(o);
    ms_findings_free(&f);
    if (!s) {
        ms_doc_summary_clear(&sum);
        return -1;
    }
    free(doc->output);
    doc->output = s;
    doc->output_len = slen;
    /* The typed fields travel with the bytes they describe. */
    ms_doc_summary_clear(&doc->summary);
    doc->summary = sum;
    return 0;
}

static int assemble_process(ms_stage *st, void *wstate, ms_doc *doc)
{
    (void)wstate;
    if (ms_assemble_render(doc, st->pipeline_names, st->pipeline_len) != 0) {
        ms_doc_fail(doc, "assemble", "internal", "cannot render the summary (out of memory)");
        return -1;
    }
    /* The sinks need only the output and doc->summary: free text, pages
     * and chunks now so memory per in-flight report stays small while
     * sinks work. */
    ms_doc_release_work(doc);
    return 0;
}

static void assemble_destroy(ms_stage *st)
{
    free(st);
}

static const ms_stage_ops assemble_ops = {
    .name = "assemble",
    .kind = MS_STAGE_CPU,
    .process = assemble_process,
    .destroy = assemble_destroy,
};

/* Timings are labelled with st->pipeline_names, which the pipeline builder
 * sets once every stage exists. */
ms_stage *ms_assemble_stage_new(void)
{
    ms_stage *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->ops = &assemble_ops;
    return st;
}

/* ---- plugin ---------------------------------------------------------------- */

static ms_stage *assemble_create(const ms_config *cfg, char *err, size_t errlen)
{
    (void)cfg;
    ms_stage *st = ms_assemble_stage_new();
    if (!st)
        ms_errf(err, errlen, "cannot create the assemble stage (out of memory)");
    return st;
}

const ms_plugin ms_stage_assemble_plugin = {
    .name = "assemble",
    .kind = MS_PLUGIN_STAGE,
    .slot = "assemble",
    .description = "findings, the plain-language patient summary and the summary JSON",
    .create.stage = assemble_create,
};
