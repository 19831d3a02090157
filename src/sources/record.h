/* record.h -- what one Kafka (or Kinesis) record carries, decoded.
 *
 * Four shapes are accepted (docs/formats.md):
 *   - raw PDF bytes: anything that does not start with '{' after optional
 *     whitespace (a PDF starts with "%PDF"); handed to the parser as is;
 *   - a JSON envelope {"id", "patient": {...}, "pdf_base64" | "s3_uri",
 *     "metadata"};
 *   - an S3 event notification {"Records": [{"s3": {...}}]};
 *   - an EventBridge "Object Created" event {"detail-type": "Object
 *     Created", "source": "aws.s3", "detail": {"bucket", "object"}}.
 * A record that starts like JSON but is none of these (or is malformed)
 * is rejected with reason "bad_envelope" and a message that never quotes
 * the record's content (no PHI).
 *
 * One S3 event may list several objects; medstream handles one object per
 * record (S3 sends one per notification), and rejects an event with
 * several as bad_envelope rather than silently dropping any of them.
 *
 * Pure function, any thread. */
#ifndef MS_RECORD_H
#define MS_RECORD_H

#include <stddef.h>
#include <stdint.h>

typedef enum ms_record_kind {
    MS_RECORD_RAW = 0,     /* raw bytes (PDF) */
    MS_RECORD_ENVELOPE,    /* JSON envelope */
    MS_RECORD_S3_EVENT,    /* S3 event notification */
    MS_RECORD_EVENTBRIDGE  /* EventBridge "Object Created" */
} ms_record_kind;

typedef struct ms_record_object {
    char *bucket;
    char *key;             /* URL-decoded ('+' is a space) for S3 events */
    int64_t size;          /* -1 when not given */
    char *version_id;      /* NULL when not given */
} ms_record_object;

typedef struct ms_record {
    ms_record_kind kind;
    char *id;              /* the envelope's id; NULL otherwise */
    char *patient_json;    /* compact JSON object, or NULL */
    char *metadata_json;   /* compact JSON object, or NULL */
    unsigned char *pdf;    /* envelope pdf_base64, decoded; NULL otherwise */
    size_t pdf_len;
    char *s3_uri;          /* "s3://bucket/key" (key as in S3, not encoded) */
    ms_record_object *objects;
    size_t nobjects;
} ms_record;

/* Reason code for records that cannot be decoded. */
#define MS_RECORD_BAD "bad_envelope"
#define MS_RECORD_TOO_LARGE "too_large"

/* Decode len bytes. max_bytes caps the decoded PDF (0 = no cap).
 * Returns 0 on success; -1 with *reason (static: MS_RECORD_BAD or
 * MS_RECORD_TOO_LARGE, or "out_of_memory") and msg set. For RAW records
 * nothing is copied: the caller keeps using data. */
int ms_record_decode(const void *data, size_t len, size_t max_bytes, ms_record *out,
                     const char **reason, char *msg, size_t msglen);

void ms_record_free(ms_record *r);

/* What a source does with a record: decode it into doc (whose id and
 * position the source has already set). Raw bytes and decoded PDFs become
 * doc->input; an envelope's id replaces doc->id; S3 objects set
 * doc->s3_uri (the fetch stage reads them); patient and metadata are kept
 * for the sinks. A record that cannot be decoded fails the doc (stage
 * "source", reason bad_envelope or too_large) so the engine dead-letters
 * it. Returns 0, or -1 when the doc failed. input_size is set to what the
 * record will weigh in memory (an S3 object's announced size when known). */
struct ms_doc;
int ms_record_fill_doc(struct ms_doc *doc, const void *data, size_t len, size_t max_bytes);

/* Split "s3://bucket/key" into freshly allocated bucket and key. -1 when
 * malformed. */
int ms_record_parse_s3_uri(const char *uri, char **bucket, char **key);

/* Strict standard base64 (padding optional, no whitespace inside except
 * CR/LF, which are skipped). Returns decoded length, or -1. out must have
 * room for 3 * (len / 4) + 3 bytes. */
long ms_record_base64_decode(const char *in, size_t len, unsigned char *out);

#endif
