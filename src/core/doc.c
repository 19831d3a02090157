/* doc.c -- report lifecycle helpers. */
#include "core/doc.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_out.h"

ms_doc *ms_doc_new(void)
{
    return calloc(1, sizeof(ms_doc));
}

void ms_chunks_free(ms_chunk *chunks, size_t n)
{
    if (!chunks)
        return;
    for (size_t i = 0; i < n; i++) {
        free(chunks[i].text);
        free(chunks[i].segs);
    }
    free(chunks);
}

void ms_doc_release_work(ms_doc *doc)
{
    free(doc->input);
    doc->input = NULL;
    doc->input_len = 0;
    free(doc->text);
    doc->text = NULL;
    free(doc->pages);
    doc->pages = NULL;
    if (doc->extract && doc->extract_free)
        doc->extract_free(doc->extract, doc->nchunks);
    doc->extract = NULL;
    ms_chunks_free(doc->chunks, doc->nchunks);
    doc->chunks = NULL; /* nchunks, like npages, stays: it is a count */
}

void ms_doc_free(ms_doc *doc)
{
    if (!doc)
        return;
    ms_doc_release_work(doc);
    free(doc->id);
    free(doc->input_path);
    free(doc->output);
    ms_doc_summary_clear(&doc->summary);
    free(doc->s3_uri);
    free(doc->patient_json);
    free(doc->metadata_json);
    json_decref(doc->destinations);
    free(doc);
}

void ms_doc_fail(ms_doc *doc, const char *stage, const char *reason,
                 const char *fmt, ...)
{
    if (doc->reason)
        return;
    doc->reason = reason;
    doc->failed_stage = stage;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(doc->message, sizeof doc->message, fmt, ap);
    va_end(ap);
}

/* Ids become file names and object keys: keep [A-Za-z0-9._-], map the rest
 * to '_', never start with '.', never empty, at most 200 bytes. */
void ms_doc_set_id(ms_doc *doc, const char *id)
{
    size_t n = strlen(id);
    if (n > 200)
        n = 200;
    char *s = malloc(n + 2);
    if (!s)
        return;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)id[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        s[j++] = ok ? (char)c : '_';
    }
    if (j == 0)
        s[j++] = '_';
    if (s[0] == '.')
        s[0] = '_';
    s[j] = '\0';
    free(doc->id);
    doc->id = s;
}

json_t *ms_doc_source_json(const ms_doc *doc)
{
    json_t *pos = json_object();
    json_object_set_new(pos, "label", json_string(doc->pos.label));
    json_object_set_new(pos, "partition", json_integer(doc->pos.partition));
    json_object_set_new(pos, "offset", json_integer(doc->pos.offset));
    return pos;
}

int ms_doc_add_destination(ms_doc *doc, json_t *dest)
{
    if (!dest)
        return -1;
    if (!doc->destinations && !(doc->destinations = json_array())) {
        json_decref(dest);
        return -1;
    }
    size_t i;
    json_t *d;
    json_array_foreach(doc->destinations, i, d)
        if (json_equal(d, dest)) {
            json_decref(dest);
            return 0;
        }
    return json_array_append_new(doc->destinations, dest);
}

void ms_doc_summary_clear(ms_summary *s)
{
    free(s->patient_text);
    for (int i = 0; i < s->naffirmed_names; i++)
        free(s->affirmed_names[i]);
    memset(s, 0, sizeof *s);
}

int ms_doc_render_dead_letter(ms_doc *doc)
{
    json_t *o = json_object();
    json_object_set_new(o, "schema", json_string("medstream.dead_letter/v1"));
    json_object_set_new(o, "id", json_string(doc->id ? doc->id : ""));
    json_object_set_new(o, "source", ms_doc_source_json(doc));
    json_object_set_new(o, "reason", json_string(doc->reason ? doc->reason : "unknown"));
    json_object_set_new(o, "stage", json_string(doc->failed_stage ? doc->failed_stage : ""));
    json_object_set_new(o, "message", json_string(doc->message));
    json_object_set_new(o, "input_bytes", json_integer((json_int_t)doc->input_size));
    size_t slen = 0;
    char *s = ms_json_dumps_indent2(o, &slen);   /* = json_dumps(INDENT(2) | PRESERVE_ORDER | REAL_PRECISION(6)) */
    json_decref(o);
    if (!s)
        return -1;
    free(doc->output);
    doc->output = s;
    doc->output_len = slen;
    ms_doc_summary_clear(&doc->summary);
    doc->summary.rendered = true;
    doc->summary.dead_letter = true;
    return 0;
}
